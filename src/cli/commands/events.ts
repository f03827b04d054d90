import * as Option from 'clipanion/lib/advanced/options';

import { UsageError } from '../../errors.js';
import { type BurrowEvent, EventsTail, eventsFile, olderEvents } from '../../runtime/events.js';
import { goTime } from '../../runtime/logs.js';
import { isJsonFormat, Template } from '../../format/template.js';
import { BurrowCommand } from '../base.js';
import { parseTimeFlag } from '../duration.js';

const FILTER_KEYS = ['container', 'event', 'image', 'network', 'pod', 'type'];

/** Go's time.Time.String() of an RFC 3339 time: "2026-12-05 16:10:37.123456789 +0000 UTC". */
export function goTimeString(rfc3339: string): string {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(?:\.(\d+))?([+-]\d\d):?(\d\d)$|^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(rfc3339);
  if (!m) return rfc3339;
  const [date, time, frac, oh, om] = m[1] ? [m[1], m[2], m[3], m[4], m[5]] : [m[6], m[7], m[8], '+00', '00'];
  const fraction = (frac ?? '').replace(/0+$/, '');
  const offset = `${oh}${om}`;
  const zone = offset === '+0000' ? 'UTC' : zoneName(rfc3339, offset);
  return `${date} ${time}${fraction ? `.${fraction}` : ''} ${offset} ${zone}`;
}

/** The zone's abbreviation where the system has one (CET), else Go's form of the offset (+01). */
function zoneName(rfc3339: string, offset: string): string {
  const name = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(new Date(rfc3339)).find((p) => p.type === 'timeZoneName')?.value;
  if (name && !/^GMT/.test(name)) return name;
  return offset.endsWith('00') ? offset.slice(0, 3) : offset;
}

/** podman's human line: time, type, status, id, and (image=, name=, attributes) for a container. */
function humanLine(e: BurrowEvent): string {
  const time = goTimeString(e.Time);
  if (e.Type !== 'container') return `${time} ${e.Type} ${e.Status} ${e.ID} ${e.Name}`;
  const attrs = [`image=${e.Image ?? ''}`, `name=${e.Name}`, ...(e.ContainerExitCode !== undefined ? [`containerExitCode=${e.ContainerExitCode}`] : []), ...Object.entries(e.Attributes ?? {}).map(([k, v]) => `${k}=${v}`)];
  return `${time} ${e.Type} ${e.Status} ${e.ID} (${attrs.join(', ')})`;
}

export class EventsCommand extends BurrowCommand {
  static override paths = [['events'], ['system', 'events']];

  static override usage = BurrowCommand.Usage({
    category: 'system',
    description: 'show events: what was done to containers, images, pods and networks',
    details: `
      Prints the events burrow keeps (create, start, exec, died, stop, kill, restart, rename, remove for containers; pull, tag, untag, remove for images; create, start, stop, kill, remove for pods; create, remove, connect, disconnect for networks) from its events file, as podman's file logger does, one a line; then waits for new ones until interrupted, or with \`--stream=false\` exits. Without \`--since\` a stream begins with what happens next. Filters of one key match if any value does; different keys must all match.
    `,
    examples: [
      ['Follow the containers that end', '$0 events --filter event=died'],
      ["Today's events as JSON, then exit", '$0 events --stream=false --since 24h --format json'],
    ],
  });

  filter = Option.Array('-f,--filter', [], { description: 'Only events that match KEY=VALUE: container, event, image, network, pod, type' });
  format = Option.String('--format', { description: 'Format each event with a Go template, or json' });
  noTrunc = Option.Boolean('--no-trunc', true, { description: 'Do not shorten ids (the default)' });
  since = Option.String('--since', { description: 'Only events from TIME on (a timestamp, or a duration such as 10m)' });
  stream = Option.Boolean('--stream', true, { description: 'Wait for new events (--stream=false: print those kept and exit)' });
  until = Option.String('--until', { description: 'Only events up to TIME, and stop there' });

  async execute(): Promise<number> {
    const now = Date.now();
    const since = this.since === undefined ? undefined : parseTimeFlag(this.since, '--since', now);
    const until = this.until === undefined ? undefined : parseTimeFlag(this.until, '--until', now);
    const filters = new Map<string, string[]>();
    for (const f of this.filter) {
      const eq = f.indexOf('=');
      const key = eq < 0 ? f : f.slice(0, eq);
      if (!FILTER_KEYS.includes(key) || eq < 0 || eq === f.length - 1) throw new UsageError(`invalid filter "${f}": the keys are ${FILTER_KEYS.join(', ')}, each with a value`);
      filters.set(key, [...(filters.get(key) ?? []), f.slice(eq + 1)]);
    }
    const json = this.format !== undefined && isJsonFormat(this.format);
    const template = this.format === undefined || json ? undefined : new Template('events', `${this.format.replace(/\\t/g, '\t').replace(/\\n/g, '\n')}\n`);
    const short = (id: string) => (this.noTrunc ? id : id.slice(0, 12));
    // A reader that went away (`burrow events | head`): nothing more to print, and a stream ends there, as podman's does.
    let gone = false;
    this.context.stdout.on('error', () => (gone = true));
    const print = (e: BurrowEvent) => {
      if (gone) return;
      const shown = { ...e, ID: short(e.ID) };
      // The time as Go writes one: RFC 3339 in JSON, time.Time's String() in a template.
      if (json) this.context.stdout.write(`${JSON.stringify({ ...shown, Time: goTime(e.Time) })}\n`);
      else if (template) this.context.stdout.write(template.execute({ ...shown, Time: goTimeString(e.Time) }));
      else this.context.stdout.write(`${humanLine(shown)}\n`);
    };
    const any = (key: string, test: (v: string) => boolean) => filters.get(key)?.some(test) ?? true;
    const wanted = (e: BurrowEvent): boolean => {
      const t = Date.parse(e.Time);
      if ((since !== undefined && t < since) || (until !== undefined && t > until)) return false;
      return (
        any('type', (v) => e.Type === v) &&
        any('event', (v) => e.Status === v) &&
        any('container', (v) => e.Type === 'container' && (e.Name === v || e.ID.startsWith(v))) &&
        any('pod', (v) => e.Type === 'pod' && (e.Name === v || e.ID.startsWith(v))) &&
        any('network', (v) => e.Type === 'network' && (e.Name === v || e.ID.startsWith(v))) &&
        any('image', (v) => e.Image === v || e.Name === v || (e.Type === 'image' && e.ID.startsWith(v)) || (e.Image ?? '').split(':')[0] === v)
      );
    };
    const { paths } = this.context;
    try {
      this.context.sys.runtimeDir(); // where the events are: the fallback when XDG_RUNTIME_DIR cannot be used
    } catch {
      // none at all: no events either
    }
    // Kept events: all of them without a stream, those since --since with one; then what comes.
    const kept = !this.stream || since !== undefined;
    const tail = new EventsTail(eventsFile(paths), kept);
    if (kept) for (const e of olderEvents(paths)) if (wanted(e)) print(e);
    for (const e of tail.read()) if (wanted(e)) print(e);
    if (!this.stream) return 0;
    for (;;) {
      if (gone || (until !== undefined && Date.now() > until)) return 0;
      for (const e of tail.read()) if (wanted(e)) print(e);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
