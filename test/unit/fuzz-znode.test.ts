/**
 * Fuzzing what the ZooKeeper detector reads (fast-check; counts: test/unit/helpers/fuzz.ts):
 * member names of any shape, and znode contents (damaged JSON and protobuf MasterInfo, libprocess
 * UPIDs, random bytes) under every label give a MasterInfo or MesosDecodeError, never another error.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { getCodec, TYPE_NAMES } from '../../lib/codec/codec';
import type { MasterInfo } from '../../lib/codec/messages';
import { MesosDecodeError } from '../../lib/common/errors';
import { decodeMemberData, leadingMember, parseMember } from '../../lib/detector/zk-members';
import { damaged, fuzz, fuzzRuns } from './helpers/fuzz';

const INFO: MasterInfo = { id: 'master-1', ip: 16777343, port: 5050, hostname: 'm1', pid: 'master@127.0.0.1:5050' };
const VALID = [
  Buffer.from(JSON.stringify(INFO)),
  Buffer.from(JSON.stringify({ ...INFO, address: { ip: '127.0.0.1', port: 5050, hostname: 'm1' } })),
  Buffer.from(getCodec<MasterInfo>(TYPE_NAMES.MasterInfo, 'protobuf').encode(INFO)),
  Buffer.from('master@127.0.0.1:5050'),
  Buffer.from('master@[::1]:5050'),
];

describe('fuzz: ZooKeeper znode contents (detector parsing)', function () {
  this.timeout(120_000);

  it('member names and znode data under every label: a MasterInfo or MesosDecodeError', () => {
    const name = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc
        .tuple(fc.constantFrom('json.info', 'info', '', 'x'), fc.nat())
        .map(([label, n]) => (label ? `${label}_${String(n).padStart(10, '0')}` : String(n))),
    );
    const data = fc.oneof(
      damaged(fc.constantFrom(...VALID)),
      fc.uint8Array({ maxLength: 120 }),
      fc.constantFrom(...VALID),
    );
    fuzz(
      'znode',
      fuzzRuns(100_000),
      fc.property(fc.array(name, { maxLength: 5 }), data, (names, bytes) => {
        for (const n of names) parseMember(n);
        const member = leadingMember(names) ?? { name: 'json.info_0000000001', label: 'json.info', sequence: 1 };
        try {
          const info = decodeMemberData(member, bytes, `/mesos/${member.name}`);
          expect(info.port).to.be.a('number');
        } catch (error) {
          expect(error).to.be.instanceOf(MesosDecodeError);
        }
      }),
    );
  });
});
