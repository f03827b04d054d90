'use strict';
/*
 * clipanion's simplifyMachine, without its quadratic duplicate checks.
 *
 * clipanion folds every "shortcut" edge of its parser into the node it starts
 * from, and checks each transition it copies against all the node already
 * holds (Array.prototype.some). `burrow run` has 20-odd options, each of which
 * ends in a shortcut back to a node with 70-odd transitions: that check alone
 * cost about 3.5 ms of every start (measured). This version keeps, per node,
 * the set of targets already present for each segment and each test, so each
 * check is one lookup. Everything else is clipanion 3.2.1's algorithm, step by
 * step: the same nodes visited in the same order, the same transitions pushed
 * in the same order. scripts/build.mjs puts it in place of the original in the
 * bundle, and test/unit/cli/simplify.test.ts checks that both give the same
 * machine for every burrow command.
 */
module.exports = function simplifyMachine(input, initial) {
  const hasOwn = (object, key) => Object.prototype.hasOwnProperty.call(object, key);
  const visited = new Set();
  const process = (node) => {
    if (visited.has(node)) return;
    visited.add(node);
    const nodeDef = input.nodes[node];
    for (const transitions of Object.values(nodeDef.statics)) for (const { to } of transitions) process(to);
    for (const [, { to }] of nodeDef.dynamics) process(to);
    for (const { to } of nodeDef.shortcuts) process(to);
    if (nodeDef.shortcuts.length === 0) return;
    const shortcuts = new Set(nodeDef.shortcuts.map(({ to }) => to));
    // Targets already present, per static segment (built on first use) and per dynamic test.
    const staticTargets = new Map();
    const dynamicTargets = new Map();
    for (const [test, { to }] of nodeDef.dynamics) {
      let targets = dynamicTargets.get(test);
      if (targets === undefined) dynamicTargets.set(test, (targets = new Set()));
      targets.add(to);
    }
    while (nodeDef.shortcuts.length > 0) {
      const { to } = nodeDef.shortcuts.shift();
      const toDef = input.nodes[to];
      for (const [segment, transitions] of Object.entries(toDef.statics)) {
        const store = !hasOwn(nodeDef.statics, segment) ? (nodeDef.statics[segment] = []) : nodeDef.statics[segment];
        let targets = staticTargets.get(segment);
        if (targets === undefined) staticTargets.set(segment, (targets = new Set(store.map((transition) => transition.to))));
        for (const transition of transitions) {
          if (!targets.has(transition.to)) {
            store.push(transition);
            targets.add(transition.to);
          }
        }
      }
      for (const [test, transition] of toDef.dynamics) {
        let targets = dynamicTargets.get(test);
        if (targets === undefined) dynamicTargets.set(test, (targets = new Set()));
        if (!targets.has(transition.to)) {
          nodeDef.dynamics.push([test, transition]);
          targets.add(transition.to);
        }
      }
      for (const transition of toDef.shortcuts) {
        if (!shortcuts.has(transition.to)) {
          nodeDef.shortcuts.push(transition);
          shortcuts.add(transition.to);
        }
      }
    }
  };
  process(initial);
};
