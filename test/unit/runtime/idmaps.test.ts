import { describe, expect, it } from 'vitest';

import { containerIds, nestedView, parseIdMap, parseUserns, remapped, shiftedMountOptions } from '../../../src/runtime/idmaps.js';
import { idMapping, mapOverlap, shiftedView, throughBase } from '../../../src/system/idmap.js';
import { caught, usageError } from '../../helpers/errors.js';

const tools = { newuidmap: '/usr/bin/newuidmap', newgidmap: '/usr/bin/newgidmap' };
// The default map of a user 1001 with one range of 65536 subordinate ids.
const base = idMapping('me', 1001, 1001, [{ start: 100000, count: 65536 }], [{ start: 100000, count: 65536 }], tools);

describe('--userns', () => {
  it('parses keep-id, nomap and auto with their options, and refuses host and the unknown, saying why', () => {
    expect(parseUserns(undefined)).toEqual({ kind: 'private' });
    expect(parseUserns('keep-id')).toEqual({ kind: 'keep-id' });
    expect(parseUserns('keep-id:uid=200,gid=300')).toEqual({ kind: 'keep-id', uid: 200, gid: 300 });
    expect(usageError(() => parseUserns('keep-id:uid=x')).message).toBe('invalid --userns `keep-id:uid=x`: `x` is not an id');
    expect(usageError(() => parseUserns('keep-id:size=3')).message).toMatch(/unknown keep-id option `size=3`/);
    expect(usageError(() => parseUserns('host')).message).toMatch(/^--userns host cannot be used: burrow runs without root and always makes a user namespace/);
    expect(parseUserns('nomap')).toEqual({ kind: 'nomap' });
    expect(parseUserns('auto')).toEqual({ kind: 'auto' });
    expect(parseUserns('auto:size=10')).toEqual({ kind: 'auto', size: 10 });
    expect(usageError(() => parseUserns('auto:size=0')).message).toBe('invalid --userns `auto:size=0`: size must be at least 1');
    expect(usageError(() => parseUserns('auto:uidmapping=0:1:2')).message).toBe('invalid --userns `auto:uidmapping=0:1:2`: unknown auto option `uidmapping=0:1:2` (size=N)');
    expect(usageError(() => parseUserns('ns:/x')).message).toMatch(/^invalid --userns `ns:\/x`: burrow has private/);
  });

  it('keep-id lays the map out as podman: ids below yours from the first subordinate ones, you, the rest', () => {
    const ids = containerIds({ userns: 'keep-id' }, base);
    expect(ids.shown?.uids).toEqual([{ inside: 0, outside: 1, count: 1001 }, { inside: 1001, outside: 0, count: 1 }, { inside: 1002, outside: 1002, count: 64535 }]);
    expect(ids.idmap.uids).toEqual([{ inside: 0, outside: 100000, count: 1001 }, { inside: 1001, outside: 1001, count: 1 }, { inside: 1002, outside: 101001, count: 64535 }]);
    expect(ids.keepId).toEqual({ uid: 1001, gid: 1001 });
    expect(ids.idmap.steps[0]).toMatchObject({ kind: 'process', mode: 'wait', argv: ['/usr/bin/newuidmap', '{pid}', '0', '100000', '1001', '1001', '1001', '1', '1002', '101001', '64535'] });
    const other = containerIds({ userns: 'keep-id:uid=0,gid=7' }, base);
    expect(other.shown?.uids).toEqual([{ inside: 0, outside: 0, count: 1 }, { inside: 1, outside: 1, count: 65536 }]);
    expect(other.keepId).toEqual({ uid: 0, gid: 7 });
    expect(caught(() => containerIds({ userns: 'keep-id:uid=70000' }, base)).message).toMatch(/uid 70000 needs 70000 subordinate ids below it, and you have 65536/);
  });

  it('--uidmap alone maps the gids too; overlapping and foreign maps are refused', () => {
    const ids = containerIds({ uidmap: ['0:0:1', '1:1:10'] }, base);
    expect(ids.idmap.uids).toEqual([{ inside: 0, outside: 1001, count: 1 }, { inside: 1, outside: 100000, count: 10 }]);
    expect(ids.idmap.gids).toEqual(ids.idmap.uids);
    expect(remapped({ uidmap: ['0:0:1'] })).toBe(true);
    expect(remapped({ userns: 'fakeroot' })).toBe(false);
    expect(caught(() => containerIds({ uidmap: ['0:0:10', '5:20:10'] }, base)).message).toBe('--uidmap/--gidmap: the uid map is impossible: container ids 0-9 and 5-14 overlap');
    expect(caught(() => containerIds({ uidmap: ['0:0:10', '20:5:10'] }, base)).message).toBe('--uidmap/--gidmap: the uid map is impossible: ids 0-9 and 5-14 are mapped twice');
    expect(caught(() => containerIds({ uidmap: ['0:65530:10'] }, base)).message).toMatch(/uid 65537 of the default user namespace is not yours to map \(0 is you, 1-65536/);
    expect(usageError(() => containerIds({ userns: 'keep-id', uidmap: ['0:0:1'] }, base)).message).toMatch(/--userns keep-id cannot be given with --uidmap/);
    expect(usageError(() => parseIdMap('--uidmap', '+0:1:2')).message).toMatch(/expected CONTAINER:HOST:COUNT \(the \+ and @ forms/);
    expect(usageError(() => parseIdMap('--gidmap', '0:1:0')).message).toMatch(/COUNT must be at least 1/);
  });

  it('a map without your own id is nested: the container\'s own namespace inside the default one, its map in that one\'s ids', () => {
    const nomap = containerIds({ userns: 'nomap' }, base);
    expect(nomap.nested).toEqual({ uids: [{ inside: 0, outside: 1, count: 65536 }], gids: [{ inside: 0, outside: 1, count: 65536 }] });
    expect(nomap.idmap).toBe(base); // set up in the default namespace
    expect(nomap.shown).toEqual(nomap.nested);
    const auto = containerIds({ userns: 'auto', usernsAuto: { start: 1025, size: 2000 } }, base);
    expect(auto.nested?.uids).toEqual([{ inside: 0, outside: 1025, count: 2000 }]);
    expect(caught(() => containerIds({ userns: 'auto' }, base)).message).toMatch(/^--userns auto: no slice of your subordinate ids was taken/);
    const maps = containerIds({ uidmap: ['0:1:10'] }, base);
    expect(maps.nested).toEqual({ uids: [{ inside: 0, outside: 1, count: 10 }], gids: [{ inside: 0, outside: 1, count: 10 }] });
    expect(caught(() => containerIds({ uidmap: ['0:1:65537'] }, base)).message).toMatch(/uid 65537 of the default user namespace is not yours to map/);
    expect(caught(() => containerIds({ uidmap: ['0:1:10', '5:20:10'] }, base)).message).toMatch(/container ids 0-9 and 5-14 overlap/);
    const single = idMapping('me', 1001, 1001, [], [], tools);
    expect(caught(() => containerIds({ userns: 'nomap' }, single)).message).toMatch(/you have no subordinate ids/);
    // fuse-overlayfs in the default namespace shows image id S as the id the nested map gives container id S.
    expect(nestedView(nomap.nested?.uids ?? [], base.uids)).toBe('0:1:65536');
    expect(nestedView([{ inside: 0, outside: 1025, count: 2000 }], base.uids)).toBe('0:1025:2000');
  });

  it('--subuidname: only ranges that are yours, nested (your own id left out); one name alone names both, as in podman', () => {
    const files = { subuid: () => 'me:100000:65536\nother:300000:10\n', subgid: () => 'me:100000:65536\n' };
    expect(caught(() => containerIds({ subuidname: 'other' }, base, files)).message).toMatch(/--subuidname other: the range 300000-300009 in \/etc\/subuid is not one of yours/);
    expect(containerIds({ subuidname: 'me' }, base, files).nested).toEqual({ uids: [{ inside: 0, outside: 1, count: 65536 }], gids: [{ inside: 0, outside: 1, count: 65536 }] });
    expect(containerIds({ subgidname: 'me' }, base, files).nested?.uids).toEqual([{ inside: 0, outside: 1, count: 65536 }]);
    // a nested range is split where the default namespace's are (the kernel takes a range within one): you, then the rest
    const mixed = containerIds({ uidmap: ['0:1:10'], gidmap: ['0:0:10'] }, base);
    expect(mixed.nested?.gids).toEqual([{ inside: 0, outside: 0, count: 1 }, { inside: 1, outside: 1, count: 9 }]);
    expect(mixed.shown?.gids).toEqual([{ inside: 0, outside: 0, count: 10 }]);
    const two = idMapping('me', 1001, 1001, [{ start: 100000, count: 10 }, { start: 200000, count: 10 }], [{ start: 100000, count: 10 }, { start: 200000, count: 10 }], tools);
    expect(containerIds({ userns: 'nomap' }, two).nested?.uids).toEqual([{ inside: 0, outside: 1, count: 10 }, { inside: 10, outside: 11, count: 10 }]);
    expect(caught(() => containerIds({ subuidname: 'nobody' }, base, files)).message).toMatch(/no ranges for `nobody`/);
  });

  it('without subordinate ids only fakeroot can be had', () => {
    const single = idMapping('me', 1001, 1001, [], [], tools);
    expect(caught(() => containerIds({ userns: 'keep-id' }, single)).message).toMatch(/you have no subordinate ids/);
    expect(containerIds({ userns: 'fakeroot' }, base).idmap.single).toBe(true);
  });
});

describe('the shifted view', () => {
  it("shows the stored owners through keep-id's map: ON-DISK:SHOWN:COUNT, as fuse-overlayfs takes it", () => {
    const ids = containerIds({ userns: 'keep-id' }, base);
    expect(shiftedView(ids.idmap.uids, base.uids)).toBe('1001:0:1:0:1:1001:1002:1002:64535');
    expect(shiftedMountOptions(ids.idmap, base, 'x')).toBe('uidmapping=1001:0:1:0:1:1001:1002:1002:64535,gidmapping=1001:0:1:0:1:1001:1002:1002:64535');
    // The default map shows them as they are.
    expect(shiftedView(base.uids, base.uids)).toBe('0:0:1:1:1:65536');
  });

  it('cannot be made for a map that leaves a stored owner out', () => {
    const ids = containerIds({ uidmap: ['0:0:1', '1:1:10'] }, base);
    expect(shiftedView(ids.idmap.uids, base.uids)).toBeUndefined();
    expect(caught(() => shiftedMountOptions(ids.idmap, base, '--uidmap/--gidmap')).message).toMatch(/^--uidmap\/--gidmap: an image's files are stored .* \(--rootfs DIR\)$/);
  });

  it('throughBase splits a range where the default map does; mapOverlap finds clashes', () => {
    const two = [{ inside: 0, outside: 1001, count: 1 }, { inside: 1, outside: 100000, count: 5 }, { inside: 6, outside: 200000, count: 5 }];
    expect(throughBase([{ inside: 10, outside: 4, count: 4 }], two)).toEqual({ map: [{ inside: 10, outside: 100003, count: 2 }, { inside: 12, outside: 200000, count: 2 }] });
    expect(throughBase([{ inside: 0, outside: 9, count: 4 }], two)).toEqual({ missing: 11 });
    expect(mapOverlap([{ inside: 0, outside: 0, count: 1 }, { inside: 1, outside: 1, count: 1 }])).toBeUndefined();
  });
});
