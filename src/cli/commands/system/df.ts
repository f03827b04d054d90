import { join } from 'node:path';

import * as Option from 'clipanion/lib/advanced/options';

import { goHumanSize, writeReport } from '../../../format/report.js';
import { treeSize } from '../../../system/files.js';
import { BurrowCommand } from '../../base.js';

const TABLE = 'table {{.Type}}\t{{.Total}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}';

interface Usage {
  Type: string;
  Total: number;
  Active: number;
  RawSize: number;
  RawReclaimable: number;
}

/** podman: the size, and what removing the unused would free with its share in percent. */
function row(u: Usage): Record<string, unknown> {
  const percent = u.RawSize > 0 ? Math.round((u.RawReclaimable / u.RawSize) * 100) : 0;
  return { ...u, Size: goHumanSize(u.RawSize), Reclaimable: `${goHumanSize(u.RawReclaimable)} (${percent}%)` };
}

export class SystemDfCommand extends BurrowCommand {
  static override paths = [['system', 'df']];

  static override usage = BurrowCommand.Usage({
    category: 'system',
    description: 'show the disk space used by images and containers',
    details: `
      One line each for images, containers and local volumes: how many, how many are in use (images that containers use; running containers), the bytes they take and the bytes removing the unused ones would free.
    `,
    examples: [['Show disk usage', '$0 system df']],
  });

  format = Option.String('--format', { description: 'Print with a Go template, or json' });

  async execute(): Promise<number> {
    const store = await this.context.store({ containers: true });
    const { containers } = store;
    const images = store.images();
    const list = containers.list();
    const used = new Set(list.map((c) => c.image));
    const imageSize = images.reduce((n, i) => n + i.size, 0);
    const unusedImages = images.filter((i) => !used.has(i.id)).reduce((n, i) => n + i.size, 0);
    let containerSize = 0;
    let stoppedSize = 0;
    let running = 0;
    for (const c of list) {
      const dir = containers.dir(c.id);
      const size = c.driver === 'copy' ? treeSize(join(dir, 'rootfs')) : treeSize(join(dir, 'upper'));
      containerSize += size;
      if (containers.status(c).state === 'running') running++;
      else stoppedSize += size;
    }
    const volumes = store.volumes.list().map((v) => ({ used: store.volumes.users(v.name, list).length > 0, size: treeSize(store.volumes.mountpoint(v.name)) }));
    const volumeSize = volumes.reduce((a, v) => a + v.size, 0);
    const rows = [
      row({ Type: 'Images', Total: images.length, Active: images.filter((i) => used.has(i.id)).length, RawSize: imageSize, RawReclaimable: unusedImages }),
      row({ Type: 'Containers', Total: list.length, Active: running, RawSize: containerSize, RawReclaimable: stoppedSize }),
      row({ Type: 'Local Volumes', Total: volumes.length, Active: volumes.filter((v) => v.used).length, RawSize: volumeSize, RawReclaimable: volumes.filter((v) => !v.used).reduce((a, v) => a + v.size, 0) }),
    ];
    writeReport(this.context.stdout, { name: 'df', format: this.format, table: TABLE, rows, json: () => rows });
    return 0;
  }
}
