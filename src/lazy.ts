/**
 * A Node built-in, loaded on first use. Start-up time: node:child_process
 * (with net and stream) costs about 3 ms and node:crypto 2 ms to load, which
 * `burrow run` need not pay; node:module itself (createRequire) 0.3 ms with
 * what it pulls in, node:os 0.1 ms. (The bundle runs through vm.Script, which has no dynamic
 * import(): hence process.getBuiltinModule, or the bundle's require before
 * Node 20.16.)
 */
export function builtin<T>(id: 'node:child_process' | 'node:crypto' | 'node:tty' | 'node:module' | 'node:os' | 'node:http' | 'node:https' | 'node:tls'): T {
  const get = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the bundle's require, on Node before 20.16
  return (get ? get(id) : require(id)) as T;
}
