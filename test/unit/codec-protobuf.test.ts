/** Protobuf codec specifics: proto2 unknown handling, packed input, 64-bit numbers, malformed data. */
import { expect } from 'chai';
import protobuf from 'protobufjs';
import { getCodec, TYPE_NAMES } from '../../lib/codec/codec';
import { MesosDecodeError } from '../../lib/common/errors';

type Obj = Record<string, unknown>;
const event = getCodec<Obj>(TYPE_NAMES.SchedulerEvent, 'protobuf');
const call = getCodec<Obj>(TYPE_NAMES.SchedulerCall, 'protobuf');

describe('protobuf codec', () => {
  it('exposes format and media type', () => {
    expect(event.format).to.equal('protobuf');
    expect(event.mediaType).to.equal('application/x-protobuf');
  });

  it('skips unknown fields and drops unknown enum numbers in optional fields', () => {
    // Event { type = 99 (unknown), field 77 (unknown, string), error { message = "x" } }
    const w = protobuf.Writer.create();
    w.uint32((1 << 3) | 0).int32(99);
    w.uint32((77 << 3) | 2).string('from a newer master');
    w.uint32((8 << 3) | 2)
      .fork()
      .uint32((1 << 3) | 2)
      .string('x')
      .ldelim();
    expect(event.decode(w.finish())).to.deep.equal({ error: { message: 'x' } });
  });

  it('treats an unknown enum number in a required field as missing', () => {
    // Event.UPDATE with status { task_id { value "t" }, state = 99 }
    const w = protobuf.Writer.create();
    w.uint32((1 << 3) | 0).int32(3);
    w.uint32((5 << 3) | 2).fork();
    w.uint32((1 << 3) | 2).fork();
    w.uint32((1 << 3) | 2)
      .fork()
      .uint32(10)
      .string('t')
      .ldelim();
    w.uint32((2 << 3) | 0).int32(99);
    w.ldelim().ldelim();
    expect(() => event.decode(w.finish())).to.throw(MesosDecodeError, /Missing required fields: update\.status\.state/);
  });

  it('decodes 64-bit integers to numbers and accepts packed repeated numbers', () => {
    const pb = getCodec<Obj>('mesos.v1.Value.Ranges', 'protobuf');
    const big = 2 ** 52 + 3;
    const decoded = pb.decode(pb.encode({ range: [{ begin: 1, end: big }] }));
    expect(decoded).to.deep.equal({ range: [{ begin: 1, end: big }] });
    const caps = getCodec<Obj>('mesos.v1.CapabilityInfo', 'protobuf');
    // capabilities = [CHOWN(1000), KILL(1005)] packed
    const w = protobuf.Writer.create();
    w.uint32((1 << 3) | 2)
      .fork()
      .int32(1000)
      .int32(1005)
      .int32(424242)
      .ldelim();
    expect(caps.decode(w.finish())).to.deep.equal({ capabilities: ['CHOWN', 'KILL'] });
  });

  it('copies bytes out of the input buffer', () => {
    const input = call.encode({
      type: 'ACKNOWLEDGE',
      acknowledge: { agent_id: { value: 'a' }, task_id: { value: 't' }, uuid: Buffer.from([9, 9, 9]) },
    });
    const decoded = call.decode(input);
    input.fill(0);
    expect((decoded.acknowledge as Obj).uuid).to.deep.equal(Buffer.from([9, 9, 9]));
  });

  it('fails with a MesosDecodeError on truncated or malformed data', () => {
    const good = call.encode({ type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: 'n' } } });
    expect(() => call.decode(good.subarray(0, good.length - 3))).to.throw(
      MesosDecodeError,
      /mesos\.v1\.scheduler\.Call from protobuf/,
    );
    expect(() => call.decode(Buffer.from([0x0f]))).to.throw(MesosDecodeError);
    expect(() => call.decode('nope' as unknown as Uint8Array)).to.throw(/expects a Uint8Array/);
  });

  it('reads uint64 and int64 varints of every length up to 2^53 exactly', () => {
    const range = getCodec<Obj>('mesos.v1.Value.Range', 'protobuf');
    // 1 to 8 bytes of varint: the inline reader takes up to seven, protobufjs the rest.
    for (const value of [0, 127, 128, 16383, 16384, 2 ** 49 - 1, 2 ** 49, 2 ** 53 - 1]) {
      const w = protobuf.Writer.create();
      w.uint32(8).uint64(value).uint32(16).uint64(value);
      expect(range.decode(w.finish()), String(value)).to.deep.equal({ begin: value, end: value });
    }
    // An int64: TimeInfo.nanoseconds (a negative one takes ten bytes).
    const time = getCodec<Obj>('mesos.v1.TimeInfo', 'protobuf');
    for (const value of [0, 1, 2 ** 49 - 1, 2 ** 49, -1, -(2 ** 53 - 1)]) {
      const w = protobuf.Writer.create();
      w.uint32(8).int64(value);
      expect(time.decode(w.finish()), String(value)).to.deep.equal({ nanoseconds: value });
    }
  });

  it('decodes a plain Uint8Array as well as a Buffer', () => {
    const bytes = call.encode({ type: 'REVIVE' });
    expect(call.decode(new Uint8Array(bytes))).to.deep.equal({ type: 'REVIVE' });
  });
});
