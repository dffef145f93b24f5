/** The JSON codec reads and writes Mesos's JSON (stout's mapping), and fails with typed, path-naming errors. */
import { expect } from 'chai';
import { getCodec, MEDIA_TYPES, TYPE_NAMES } from '../../lib/codec/codec';
import { MesosEncodeError } from '../../lib/codec/errors';
import { MesosDecodeError, MesosMisuseError } from '../../lib/common/errors';

type Obj = Record<string, unknown>;
const call = getCodec<Obj>(TYPE_NAMES.SchedulerCall, 'json');
const event = getCodec<Obj>(TYPE_NAMES.SchedulerEvent, 'json');
const execEvent = getCodec<Obj>(TYPE_NAMES.ExecutorEvent, 'json');

const text = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
function decodeError(fn: () => unknown): MesosDecodeError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(MesosDecodeError);
    return err as MesosDecodeError;
  }
  throw new Error('expected a MesosDecodeError');
}

const FRAMEWORK = { user: 'u', name: 'n' };

describe('JSON codec', () => {
  it('exposes format, media type and type name', () => {
    expect(call.format).to.equal('json');
    expect(call.mediaType).to.equal('application/json');
    expect(MEDIA_TYPES).to.deep.equal({ protobuf: 'application/x-protobuf', json: 'application/json' });
    expect(call.typeName).to.equal('mesos.v1.scheduler.Call');
    expect(getCodec(TYPE_NAMES.SchedulerCall, 'json')).to.equal(call);
  });

  it('rejects an unknown type or format with a MesosMisuseError', () => {
    expect(() => getCodec('mesos.v1.Nope', 'json')).to.throw(MesosMisuseError, /Unknown message type/);
    expect(() => getCodec(TYPE_NAMES.SchedulerCall, 'xml' as 'json')).to.throw(MesosMisuseError, /Unknown wire format/);
  });

  it('ignores unknown keys and camelCase spellings, treats null as absent', () => {
    const decoded = call.decode(
      text({
        type: 'SUBSCRIBE',
        frameworkId: { value: 'x' },
        extra: [1, 2],
        framework_id: null,
        subscribe: { framework_info: FRAMEWORK },
      }),
    );
    expect(decoded).to.deep.equal({
      type: 'SUBSCRIBE',
      subscribe: { framework_info: { user: 'u', name: 'n', failover_timeout: 0, checkpoint: false } },
    });
  });

  it('reads enums by name only: a number is an error, an unknown optional name is dropped, a required one is an error', () => {
    expect(decodeError(() => call.decode(text({ type: 1 }))).message).to.match(/field 'type'.*enum name/);
    expect(call.decode(text({ type: 'SOMETHING_NEWER' }))).to.deep.equal({});
    const err = decodeError(() =>
      event.decode(text({ type: 'UPDATE', update: { status: { task_id: { value: 't' }, state: 'TASK_WEIRD' } } })),
    );
    expect(err.message).to.contain("'update.status.state'").and.to.contain('TASK_WEIRD');
  });

  it('drops unknown names in repeated enum fields', () => {
    const decoded = call.decode(
      text({
        type: 'SUBSCRIBE',
        subscribe: { framework_info: { ...FRAMEWORK, capabilities: [{ type: 'NEW_ONE' }, { type: 'MULTI_ROLE' }] } },
      }),
    );
    expect((decoded.subscribe as Obj).framework_info).to.have.deep.property('capabilities', [
      {},
      { type: 'MULTI_ROLE' },
    ]);
  });

  it('reads bytes as base64 with or without padding into a Buffer, and rejects non-base64', () => {
    const uuid = Buffer.from([1, 2, 3, 4, 5]);
    for (const encoded of [uuid.toString('base64'), uuid.toString('base64').replace(/=+$/, '')]) {
      const decoded = call.decode(
        text({
          type: 'ACKNOWLEDGE',
          acknowledge: { agent_id: { value: 'a' }, task_id: { value: 't' }, uuid: encoded },
        }),
      );
      const got = (decoded.acknowledge as Obj).uuid;
      expect(Buffer.isBuffer(got)).to.equal(true);
      expect(got).to.deep.equal(uuid);
    }
    const err = decodeError(() =>
      call.decode(
        text({
          type: 'ACKNOWLEDGE',
          acknowledge: { agent_id: { value: 'a' }, task_id: { value: 't' }, uuid: 'not base64!' },
        }),
      ),
    );
    expect(err.message).to.contain("'acknowledge.uuid'");
  });

  it('reads numbers from numeric strings, Infinity strings and the bare Infinity/-Infinity/NaN tokens', () => {
    const decoded = event.decode(
      text(
        '{"type":"SUBSCRIBED","subscribed":{"framework_id":{"value":"f"},"heartbeat_interval_seconds":"15.5",' +
          '"master_info":{"id":"m","ip":"16777343","port":"5050"}}}',
      ),
    );
    expect(decoded.subscribed).to.deep.include({ heartbeat_interval_seconds: 15.5 });
    expect((decoded.subscribed as Obj).master_info).to.deep.equal({ id: 'm', ip: 16777343, port: 5050 });

    const launch = (limits: string) =>
      execEvent.decode(
        text(
          `{"type":"LAUNCH","launch":{"task":{"name":"t","task_id":{"value":"t"},"agent_id":{"value":"a"},"limits":${limits}}}}`,
        ),
      );
    const task = (limits: string) =>
      ((launch(limits).launch as Obj).task as Obj).limits as Record<string, { value: number }>;
    expect(task('{"cpus":{"value":Infinity},"mem":{"value":-Infinity},"disk":{"value":NaN}}')).to.satisfy(
      (l: Record<string, { value: number }>) =>
        l.cpus?.value === Number.POSITIVE_INFINITY &&
        l.mem?.value === Number.NEGATIVE_INFINITY &&
        Number.isNaN(l.disk?.value),
    );
    expect(task('{"cpus":{"value":"Infinity"},"mem":{"value":"-Infinity"}}')).to.deep.equal({
      cpus: { value: Number.POSITIVE_INFINITY },
      mem: { value: Number.NEGATIVE_INFINITY },
    });
    // The bare tokens are only rewritten outside strings.
    const named = launch('{"cpus":{"value":Infinity}}').launch as Obj;
    expect(named).to.be.an('object');
    const withString = execEvent.decode(
      text('{"type":"MESSAGE","message":{"data":"SW5maW5pdHk="},"x":"Infinity NaN","y":Infinity}'),
    );
    expect((withString.message as Obj).data).to.deep.equal(Buffer.from('Infinity'));
  });

  it('reads booleans from true/false and the strings "true"/"false"', () => {
    const decoded = call.decode(
      text({ type: 'SUBSCRIBE', subscribe: { framework_info: { ...FRAMEWORK, checkpoint: 'true' } } }),
    );
    expect(((decoded.subscribe as Obj).framework_info as Obj).checkpoint).to.equal(true);
    expect(
      decodeError(() =>
        call.decode(text({ type: 'SUBSCRIBE', subscribe: { framework_info: { ...FRAMEWORK, checkpoint: 'yes' } } })),
      ).message,
    ).to.contain("'subscribe.framework_info.checkpoint'");
  });

  it('leaves empty repeated fields out and reads map fields as objects', () => {
    const decoded = call.decode(
      text({
        type: 'SUBSCRIBE',
        subscribe: { framework_info: { ...FRAMEWORK, roles: [], offer_filters: { web: {} } } },
      }),
    );
    expect((decoded.subscribe as Obj).framework_info).to.deep.equal({
      ...FRAMEWORK,
      failover_timeout: 0,
      checkpoint: false,
      offer_filters: { web: {} },
    });
  });

  it('names every missing required field the way Mesos does', () => {
    const err = decodeError(() =>
      event.decode(
        text({
          type: 'OFFERS',
          offers: { offers: [{ id: { value: 'o' }, framework_id: {}, agent_id: { value: 'a' } }] },
        }),
      ),
    );
    expect(err.message).to.contain(
      'Missing required fields: offers.offers[0].hostname, offers.offers[0].framework_id.value',
    );
  });

  it('names the path of a wrongly typed value', () => {
    const err = decodeError(() =>
      event.decode(
        text({
          type: 'OFFERS',
          offers: {
            offers: [
              {
                id: { value: 'o' },
                framework_id: { value: 'f' },
                agent_id: { value: 'a' },
                hostname: 'h',
                resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 'lots' } }],
              },
            ],
          },
        }),
      ),
    );
    expect(err.message)
      .to.contain("field 'offers.offers[0].resources[0].scalar.value'")
      .and.to.contain('expected a number');
    expect(decodeError(() => event.decode(text({ type: 'OFFERS', offers: { offers: {} } }))).message).to.contain(
      "'offers.offers'",
    );
    expect(decodeError(() => event.decode(text({ type: 'ERROR', error: { message: 5 } }))).message).to.contain(
      "'error.message'",
    );
    expect(decodeError(() => event.decode(text('[1]'))).message).to.contain('expected a JSON object');
  });

  it('rejects text that is not JSON and integers out of range', () => {
    expect(decodeError(() => event.decode(text('{"type":'))).message).to.contain(
      'Cannot decode mesos.v1.scheduler.Event from JSON',
    );
    const err = decodeError(() =>
      event.decode(
        text({
          type: 'SUBSCRIBED',
          subscribed: { framework_id: { value: 'f' }, master_info: { id: 'm', ip: -1, port: 5050 } },
        }),
      ),
    );
    expect(err.message).to.contain("'subscribed.master_info.ip'");
  });

  it('writes Mesos JSON: proto names, enum names, padded base64, defaults, non-finite doubles as strings', () => {
    const encoded = call.encode({
      type: 'ACKNOWLEDGE',
      framework_id: { value: 'f' },
      acknowledge: { agent_id: { value: 'a' }, task_id: { value: 't' }, uuid: Buffer.from([1, 2, 3, 4]) },
    });
    expect(JSON.parse(encoded.toString())).to.deep.equal({
      framework_id: { value: 'f' },
      type: 'ACKNOWLEDGE',
      acknowledge: { agent_id: { value: 'a' }, task_id: { value: 't' }, uuid: 'AQIDBA==' },
    });
    const decline = JSON.parse(
      call.encode({ type: 'DECLINE', decline: { offer_ids: [{ value: 'o' }], filters: {} } }).toString(),
    );
    expect(decline.decline.filters).to.deep.equal({ refuse_seconds: 5 });
    const withInf = JSON.parse(
      call
        .encode({
          type: 'DECLINE',
          decline: { offer_ids: [{ value: 'o' }], filters: { refuse_seconds: Number.POSITIVE_INFINITY } },
        })
        .toString(),
    );
    expect(withInf.decline.filters).to.deep.equal({ refuse_seconds: 'Infinity' });
  });

  it('encodes string bytes as their UTF-8 data', () => {
    const encoded = call.encode({
      type: 'MESSAGE',
      message: { agent_id: { value: 'a' }, executor_id: { value: 'e' }, data: 'héllo' },
    });
    const decoded = call.decode(encoded);
    expect((decoded.message as Obj).data).to.deep.equal(Buffer.from('héllo', 'utf8'));
  });

  it('refuses to encode invalid messages with a MesosEncodeError naming the path', () => {
    const cases: [unknown, RegExp][] = [
      [
        { type: 'SUBSCRIBE', subscribe: { framework_info: { name: 'n' } } },
        /Missing required fields: subscribe\.framework_info\.user/,
      ],
      [
        { type: 'SUBSCRIBE', subscribe: { framework_info: { ...FRAMEWORK, failoverTimeout: 5 } } },
        /unknown field 'failoverTimeout'.*did you mean 'failover_timeout'/,
      ],
      [
        { type: 'SUBSCRIBE', subscribe: { framework_info: { ...FRAMEWORK, capabilities: [{ type: 'NOPE' }] } } },
        /'subscribe\.framework_info\.capabilities\[0\]\.type'.*unknown value/,
      ],
      [{ type: 2 }, /'type'.*by name, not number/],
      [
        { type: 'SUBSCRIBE', subscribe: { framework_info: { ...FRAMEWORK, roles: 'web' } } },
        /'subscribe\.framework_info\.roles'.*array/,
      ],
      [{ type: 'KILL', kill: { task_id: { value: 't' }, agent_id: { value: 7 } } }, /'kill\.agent_id\.value'.*string/],
      [{ type: 'RECONCILE', reconcile: { tasks: [null] } }, /'reconcile\.tasks\[0\]'/],
      ['SUBSCRIBE', /expected a plain object/],
    ];
    for (const [message, pattern] of cases) {
      let thrown: unknown;
      try {
        call.encode(message as Obj);
      } catch (err) {
        thrown = err;
      }
      expect(thrown, String(pattern)).to.be.instanceOf(MesosEncodeError);
      expect(thrown).to.be.instanceOf(MesosMisuseError);
      expect((thrown as Error).message).to.match(pattern);
    }
  });

  it('does not change the caller’s message when encoding', () => {
    const message = { type: 'DECLINE', decline: { offer_ids: [{ value: 'o' }], filters: {} } };
    const before = JSON.stringify(message);
    call.encode(message);
    expect(JSON.stringify(message)).to.equal(before);
  });
});
