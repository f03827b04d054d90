import * as Option from 'clipanion/lib/advanced/options';

import { parseSeconds } from '../../duration.js';
import { BurrowCommand } from '../../base.js';
import { eachPod } from '../../pod-targets.js';

export class PodRmCommand extends BurrowCommand {
  static override paths = [['pod', 'rm'], ['pod', 'remove']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'remove pods',
    details: `
      Removes each pod with its containers (the infra among them). A pod with a running container is refused unless \`-f\`, which stops the pod first (\`-t\` seconds before SIGKILL). Prints the id of each pod removed.
    `,
    examples: [['Remove a running pod', '$0 pod rm -f web']],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Remove every pod' });
  force = Option.Boolean('-f,--force', false, { description: 'Stop running containers first' });
  ignore = Option.Boolean('-i,--ignore', false, { description: 'Do not fail for pods that do not exist' });
  latest = Option.Boolean('-l,--latest', false, { description: 'The pod created last' });
  time = Option.String('-t,--time', { description: "With -f: seconds to wait after a container's stop signal before SIGKILL (default: the container's own stop timeout, else 10)" });
  pods = Option.Rest({ name: 'POD' });

  async execute(): Promise<number> {
    const timeout = parseSeconds(this.time);
    const { removePod } = await import('../../../runtime/pod.js');
    const store = (await this.context.store({ containers: true })).init();
    const warn = (w: string) => this.context.stderr.write(`Warning: ${w}\n`);
    return eachPod(
      this.context,
      store,
      'pod rm',
      { refs: this.pods, all: this.all, latest: this.latest, ignore: this.ignore },
      (pod) => removePod(this.context, store, pod, this.force, timeout, warn),
      // podman: 1 for a pod not found, 2 for one whose containers run
      (err) => (err.code === 'E_NO_POD' ? 1 : err.code === 'E_RUNNING' ? 2 : 125),
    );
  }
}
