/**
 * Golden fixtures in both wire formats (test/fixtures/codec/, written once by protobufjs and
 * JSON.stringify from messages.ts): both codecs decode them to the same expected object, encode
 * round-trips, and the encoders write what the fixtures hold.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { getCodec } from '../../lib/codec/codec';
import { parseMesosJson } from '../../lib/codec/json';
import { FIXTURES, withoutDefaults } from '../fixtures/codec/messages';

const DIR = path.join(__dirname, '../fixtures/codec');

/** Parsed JSON with infinite numbers spelled as the strings our encoder writes. */
function withInfinityStrings(value: unknown): unknown {
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  if (Array.isArray(value)) return value.map(withInfinityStrings);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withInfinityStrings(v)]));
  }
  return value;
}

describe('codec fixtures (JSON and protobuf twins)', () => {
  for (const fixture of FIXTURES) {
    describe(fixture.name, () => {
      const json = getCodec<Record<string, unknown>>(fixture.typeName, 'json');
      const pb = getCodec<Record<string, unknown>>(fixture.typeName, 'protobuf');
      const jsonBytes = readFileSync(path.join(DIR, `${fixture.name}.json`));
      const pbBytes = readFileSync(path.join(DIR, `${fixture.name}.bin`));
      const input = withoutDefaults(fixture.message, fixture.unsetDefaults);

      it('decodes the JSON fixture to the expected object', () => {
        expect(json.decode(jsonBytes)).to.deep.equal(fixture.message);
      });

      it('decodes the protobuf fixture (written without defaults) to the same object, defaults filled', () => {
        expect(pb.decode(pbBytes)).to.deep.equal(fixture.message);
      });

      it('round-trips through both encoders', () => {
        expect(json.decode(json.encode(input))).to.deep.equal(fixture.message);
        expect(pb.decode(pb.encode(input))).to.deep.equal(fixture.message);
        expect(pb.decode(pb.encode(fixture.message))).to.deep.equal(fixture.message);
      });

      it('JSON-encodes as Mesos writes it (defaults written out, same keys and values)', () => {
        const ours = JSON.parse(json.encode(input).toString('utf8'));
        const theirs = withInfinityStrings(parseMesosJson(jsonBytes.toString('utf8')));
        expect(ours).to.deep.equal(theirs);
      });

      it('protobuf-encodes to the same bytes protobufjs wrote', () => {
        expect(pb.encode(input).equals(pbBytes)).to.equal(true);
      });
    });
  }
});
