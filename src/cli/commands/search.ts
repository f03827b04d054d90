import * as Option from 'clipanion/lib/advanced/options';

import { writeReport } from '../../format/report.js';
import { RegistryAccess } from '../../registry/access.js';
import { listTags, parseSearchFilters, search, SEARCH_LIMIT } from '../../registry/search.js';
import { UsageError } from '../../errors.js';
import { BurrowCommand } from '../base.js';

export class SearchCommand extends BurrowCommand {
  static override paths = [['search']];

  static override usage = BurrowCommand.Usage({
    category: 'images',
    description: 'search registries for images',
    details: `
      Lists the repositories whose name holds TERM, from the registry TERM names (\`REGISTRY/TERM\`) or else from every registry of \`unqualified-search-registries\` in registries.conf. Docker Hub is asked through its search API (with descriptions and stars), any other registry through its catalog (\`/v2/_catalog\`: names only). With \`--list-tags\`, TERM is a repository (\`REGISTRY/REPOSITORY\`) and its tags are listed. The registries are reached as \`burrow pull\` reaches them.
    `,
    examples: [
      ['Search a registry', '$0 search registry.example.com/tools'],
      ['The tags of a repository', '$0 search --list-tags registry.example.com/tools/app'],
    ],
  });

  authfile = Option.String('--authfile', { description: "Read credentials from FILE (default: podman's auth.json)" });
  certDir = Option.String('--cert-dir', { description: 'Use the certificates in DIR (*.crt CAs, *.cert/*.key client pairs) to reach the registry' });
  compatible = Option.Boolean('--compatible', false, { description: 'Print the STARS, OFFICIAL and AUTOMATED columns too, as docker does' });
  creds = Option.String('--creds', { description: 'Log in to the registry as USER:PASSWORD' });
  filter = Option.Array('-f,--filter', [], { description: 'Only results that pass FILTER: stars=N, is-official=BOOL, is-automated=BOOL' });
  format = Option.String('--format', { description: 'Print with a Go template, or json' });
  limit = Option.String('--limit', { description: `At most N results from each registry, or N tags (default ${SEARCH_LIMIT})` });
  listTags = Option.Boolean('--list-tags', false, { description: 'List the tags of the repository TERM names' });
  noTrunc = Option.Boolean('--no-trunc', false, { description: 'Do not shorten descriptions' });
  tlsVerify = Option.Boolean('--tls-verify', { description: 'Require HTTPS and verify certificates (default: true, or as registries.conf says)' });
  term = Option.String({ name: 'TERM' });

  async execute(): Promise<number> {
    let limit = SEARCH_LIMIT;
    if (this.limit !== undefined) {
      if (!/^\d+$/.test(this.limit) || Number(this.limit) === 0) throw new UsageError(`invalid --limit "${this.limit}": a number of results, 1 or more`);
      limit = Number(this.limit);
    }
    if (this.listTags && this.filter.length > 0) throw new UsageError('filters are not applicable to list tags result');
    const filter = parseSearchFilters(this.filter);
    // No retries, as podman's search (containers/image tries a search once).
    const access = new RegistryAccess(this.context.env, { tlsVerify: this.tlsVerify, certDir: this.certDir, creds: this.creds, authfile: this.authfile, retries: 0, log: this.context.log });
    try {
      if (this.listTags) {
        const { name, tags } = await listTags(access, this.term, limit);
        if (tags.length === 0) return 0;
        writeReport(this.context.stdout, {
          name: 'search',
          format: this.format,
          table: 'table {{.Name}}\t{{.Tag}}',
          rows: tags.map((tag) => ({ Name: name, Tag: tag })),
          json: () => [{ Name: name, Tags: tags }],
        });
        return 0;
      }
      const results = await search(access, this.term, { limit, filter, noTrunc: this.noTrunc }, (line) => this.context.stderr.write(`${line}\n`));
      // podman prints nothing at all, not even the header, when nothing matched.
      if (results.length === 0) return 0;
      writeReport(this.context.stdout, {
        name: 'search',
        format: this.format,
        table: this.compatible ? 'table {{.Name}}\t{{.Description}}\t{{.Stars}}\t{{.Official}}\t{{.Automated}}' : 'table {{.Name}}\t{{.Description}}',
        rows: results,
        json: () => results,
      });
    } finally {
      access.close();
    }
    return 0;
  }
}
