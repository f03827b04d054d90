import * as Option from 'clipanion/lib/advanced/options';

import { UsageError } from '../../../errors.js';
import { timeAgo, writeReport } from '../../../format/report.js';
import { asMap } from '../../../format/template.js';
import type { ContainerRecord, ContainerStatus } from '../../../storage/containers.js';
import type { PodRecord } from '../../../storage/pods.js';
import { BurrowCommand } from '../../base.js';
import { keyFilters } from '../../filters.js';
import { byCodeUnits } from '../../../order.js';

const SORT_KEYS = ['created', 'id', 'name', 'number', 'status'] as const;
const FILTER_KEYS = ['id', 'name', 'label', 'status', 'ctr-names', 'ctr-ids', 'ctr-status', 'ctr-number'] as const;
const POD_STATES = ['created', 'running', 'degraded', 'exited', 'paused', 'stopped', 'dead'];
const CTR_STATES = ['created', 'running', 'paused', 'exited', 'stopped', 'unknown'];

interface Row {
  pod: PodRecord;
  status: string;
  members: { rec: ContainerRecord; status: ContainerStatus }[];
}

/** A container's state as `pod ps --ctr-status` shows it. */
function ctrState(s: ContainerStatus): string {
  return s.paused ? 'paused' : s.state;
}

export class PodPsCommand extends BurrowCommand {
  static override paths = [['pod', 'ps'], ['pod', 'ls'], ['pod', 'list']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'list pods',
    details: `
      Lists the pods, newest first: POD ID, NAME, STATUS, CREATED, INFRA ID, # OF CONTAINERS (the infra among them), as podman. A pod is Created, Running (every container runs), Degraded (some do), Paused or Exited. Filters of one key match if any value does; different keys must all match.
    `,
    examples: [
      ['Pods with the names of their containers', '$0 pod ps --ctr-names'],
      ['Only the ids of running pods', '$0 pod ps -q --filter status=running'],
    ],
  });

  ctrIds = Option.Boolean('--ctr-ids', false, { description: "Show the ids of each pod's containers" });
  ctrNames = Option.Boolean('--ctr-names', false, { description: "Show the names of each pod's containers" });
  ctrStatus = Option.Boolean('--ctr-status', false, { description: "Show the states of each pod's containers" });
  filter = Option.Array('-f,--filter', [], { description: `Only pods that match KEY=VALUE: ${FILTER_KEYS.join(', ')}` });
  format = Option.String('--format', { description: 'Format the output with a Go template, `table ...` or `json`' });
  latest = Option.Boolean('-l,--latest', false, { description: 'Only the pod created last' });
  noTrunc = Option.Boolean('--no-trunc', false, { description: 'Do not shorten ids' });
  noheading = Option.Boolean('-n,--noheading', false, { description: 'Print no header line' });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Print only the pod ids' });
  sort = Option.String('--sort', 'created', { description: `Sort by ${SORT_KEYS.join(', ')}` });

  async execute(): Promise<number> {
    if (!(SORT_KEYS as readonly string[]).includes(this.sort)) throw new UsageError(`invalid option for --sort \`${this.sort}\`: options are ${SORT_KEYS.join(', ')}`);
    const { any, values } = keyFilters(this.filter, FILTER_KEYS);
    for (const value of values('status')) if (!POD_STATES.includes(value)) throw new UsageError(`invalid pod status "${value}": use ${POD_STATES.join(', ')}`);
    for (const value of values('ctr-status')) if (!CTR_STATES.includes(value)) throw new UsageError(`invalid container status "${value}": use ${CTR_STATES.join(', ')}`);
    for (const value of values('ctr-number')) if (!/^\d+$/.test(value)) throw new UsageError(`invalid filter "ctr-number=${value}": ctr-number takes a number`);
    const { podStatus } = await import('../../../runtime/pod.js');
    const store = await this.context.store({ containers: true });
    const { containers, pods } = store;
    const all = containers.list();
    let rows: Row[] = pods.list().map((pod) => {
      const recs = pods.containers(pod, all);
      return { pod, status: podStatus(store, recs), members: recs.map((rec) => ({ rec, status: containers.status(rec) })) };
    });
    rows = rows.filter(
      ({ pod, status, members }) =>
        any('id', (v) => pod.id.startsWith(v)) &&
        any('name', (v) => new RegExp(v).test(pod.name)) &&
        any('label', (v) => {
          const eq = v.indexOf('=');
          return eq < 0 ? v in pod.labels : pod.labels[v.slice(0, eq)] === v.slice(eq + 1);
        }) &&
        any('status', (v) => v === status.toLowerCase() || (v === 'stopped' && status === 'Exited')) &&
        any('ctr-names', (v) => members.some((m) => m.rec.name === v)) &&
        any('ctr-ids', (v) => members.some((m) => m.rec.id.startsWith(v))) &&
        any('ctr-status', (v) => members.some((m) => ctrState(m.status) === v || (v === 'stopped' && m.status.state === 'exited'))) &&
        any('ctr-number', (v) => members.length === Number(v)),
    );
    const compare: Record<(typeof SORT_KEYS)[number], (a: Row, b: Row) => number> = {
      created: (a, b) => byCodeUnits(b.pod.created, a.pod.created),
      id: (a, b) => byCodeUnits(a.pod.id, b.pod.id),
      name: (a, b) => byCodeUnits(a.pod.name, b.pod.name),
      number: (a, b) => a.members.length - b.members.length,
      status: (a, b) => byCodeUnits(a.status, b.status),
    };
    rows.sort(compare[this.sort as (typeof SORT_KEYS)[number]]);
    if (this.latest) rows = [...rows].sort(compare.created).slice(0, 1);
    const short = (id: string): string => (this.noTrunc ? id : id.slice(0, 12));
    if (this.quiet && this.format === undefined) {
      for (const r of rows) this.context.stdout.write(`${short(r.pod.id)}\n`);
      return 0;
    }
    const views = rows.map(({ pod, status, members }) => ({
      ID: short(pod.id),
      Name: pod.name,
      Status: status,
      Created: timeAgo(new Date(pod.created)),
      CreatedAt: pod.created,
      InfraID: pod.infra ? short(pod.infra) : '',
      NumberOfContainers: members.length,
      Labels: asMap({ ...pod.labels }),
      ContainerNames: members.map((m) => m.rec.name).join(','),
      ContainerIds: members.map((m) => short(m.rec.id)).join(','),
      ContainerStatuses: members.map((m) => ctrState(m.status)).join(','),
    }));
    const columns = ['{{.ID}}', '{{.Name}}', '{{.Status}}', '{{.Created}}', '{{.InfraID}}'];
    if (this.ctrIds) columns.push('{{.ContainerIds}}');
    if (this.ctrNames) columns.push('{{.ContainerNames}}');
    if (this.ctrStatus) columns.push('{{.ContainerStatuses}}');
    if (!this.ctrIds && !this.ctrNames && !this.ctrStatus) columns.push('{{.NumberOfContainers}}');
    const json = () =>
      rows.map(({ pod, status, members }) => ({
        Cgroup: '',
        Containers: members.map((m) => ({ Id: m.rec.id, Names: m.rec.name, Status: ctrState(m.status), RestartCount: 0 })),
        Created: pod.created,
        Id: pod.id,
        InfraId: pod.infra ?? '',
        Name: pod.name,
        Namespace: '',
        Networks: [],
        Status: status,
        Labels: pod.labels,
      }));
    const format = this.noheading && this.format === undefined ? columns.join('\t') : this.format;
    writeReport(this.context.stdout, {
      name: 'pod ps',
      format,
      table: `table ${columns.join('\t')}`,
      headers: { ID: 'POD ID', InfraID: 'INFRA ID', NumberOfContainers: '# OF CONTAINERS', ContainerIds: 'IDS', ContainerNames: 'NAMES', ContainerStatuses: 'STATUS' },
      rows: views,
      json,
    });
    return 0;
  }
}
