import { Command } from 'clipanion/lib/advanced/Command';
import * as Option from 'clipanion/lib/advanced/options';

import type { Context } from '../context.js';

/**
 * `burrow sandbox`: bubblewrap's command line (src/sandbox/). bin/burrow.cjs
 * sends its lines straight to dist/sandbox.cjs, without this class; only
 * `burrow sandbox --help` (burrow's help page) and a line with global options
 * before the command's name (`burrow --log-level debug sandbox ...`) come here.
 *
 * Not a BurrowCommand: every word after `sandbox` is bwrap's, so it declares
 * no option of its own, not even --log-level (bwrap's parser refuses it, as
 * bwrap would), and the manifest, the completions and the man page say so.
 */
export class SandboxCommand extends Command<Context> {
  static override paths = [['sandbox']];

  static override usage = Command.Usage({
    category: 'containers',
    description: 'run a host program in a bubblewrap-compatible sandbox',
    details: `
      Takes bwrap's command line (bubblewrap 0.11) unchanged: its options, read in order, then COMMAND and its arguments, run in a sandbox built from a fresh tmpfs root by each setup option in turn. Errors are bwrap's, \`bwrap: MESSAGE\`, with exit status 1; otherwise the exit status is COMMAND's.

      A link named \`bwrap\` to burrow's executable behaves the same. \`burrow sandbox\` with no arguments prints bwrap's option list on standard error and exits 1, as bwrap does. See burrow-sandbox(1).
    `,
    examples: [
      ['Run a shell in a read-only view of the host, with its own namespaces', '$0 sandbox --ro-bind / / --proc /proc --dev /dev --unshare-all sh'],
      ['A shell that can write to the current directory only', '$0 sandbox --ro-bind / / --dev /dev --bind "$PWD" "$PWD" --chdir "$PWD" sh'],
    ],
  });

  args = Option.Proxy({ name: 'OPTIONS... COMMAND' });

  async execute(): Promise<number> {
    return (await import('../../sandbox.js')).sandbox(this.args, 'burrow sandbox', () => import('../../sandbox-extras.js'));
  }
}
