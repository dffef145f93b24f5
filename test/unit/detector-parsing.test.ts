import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { getCodec, TYPE_NAMES } from '../../lib/codec/codec';
import type { MasterInfo } from '../../lib/codec/messages';
import { MesosConfigError, MesosDecodeError } from '../../lib/common/errors';
import {
  createDetector,
  decodeMasterIp,
  encodeMasterIp,
  leadingMember,
  masterHostPort,
  parseMasterString,
  parseMember,
  parseZooKeeperUrl,
  redactUrl,
} from '../../lib/detector';
import { parseMasterUpid } from '../../lib/detector/master-info';
import { decodeMemberData } from '../../lib/detector/zk-members';

describe('detector: master strings and MasterInfo', () => {
  describe('decodeMasterIp (network byte order, MESOS-1201)', () => {
    it('decodes 16777343 as 127.0.0.1, not 1.0.0.127', () => {
      expect(decodeMasterIp(16777343)).to.equal('127.0.0.1');
    });
    it('decodes 16777226 as 10.0.0.1 and 0x0101A8C0 as 192.168.1.1', () => {
      expect(decodeMasterIp(16777226)).to.equal('10.0.0.1');
      expect(decodeMasterIp(0x0101a8c0)).to.equal('192.168.1.1');
      expect(decodeMasterIp(0xffffffff)).to.equal('255.255.255.255');
    });
    it('round-trips with encodeMasterIp', () => {
      for (const ip of ['127.0.0.1', '10.20.30.40', '192.168.0.254', '1.2.3.4']) {
        expect(decodeMasterIp(encodeMasterIp(ip))).to.equal(ip);
      }
      expect(encodeMasterIp('127.0.0.1')).to.equal(16777343);
    });
    it('rejects values that are not a uint32', () => {
      expect(() => decodeMasterIp(-1)).to.throw(MesosDecodeError);
      expect(() => decodeMasterIp(2 ** 32)).to.throw(MesosDecodeError);
      expect(() => decodeMasterIp(1.5)).to.throw(MesosDecodeError);
    });
  });

  describe('masterHostPort', () => {
    const base: MasterInfo = { id: 'x', ip: 16777343, port: 5050 };
    it('prefers address.hostname, then address.ip, then hostname, then the decoded ip', () => {
      expect(
        masterHostPort({ ...base, hostname: 'h', address: { hostname: 'ah', ip: '10.0.0.9', port: 6060 } }),
      ).to.deep.equal({
        host: 'ah',
        port: 6060,
      });
      expect(masterHostPort({ ...base, hostname: 'h', address: { ip: '10.0.0.9', port: 6060 } })).to.deep.equal({
        host: '10.0.0.9',
        port: 6060,
      });
      expect(masterHostPort({ ...base, hostname: 'h' })).to.deep.equal({ host: 'h', port: 5050 });
      expect(masterHostPort(base)).to.deep.equal({ host: '127.0.0.1', port: 5050 });
    });
  });

  describe('parseMasterString', () => {
    it('parses host:port and master@host:port as static http masters', () => {
      expect(parseMasterString('10.0.0.1:5050')).to.deep.equal({
        kind: 'static',
        master: { url: 'http://10.0.0.1:5050', scheme: 'http', host: '10.0.0.1', port: 5050 },
      });
      const spec = parseMasterString('master@Mesos.Example.com:5050', { scheme: 'https' });
      expect(spec.kind === 'static' && spec.master.url).to.equal('https://mesos.example.com:5050');
    });
    it('keeps the scheme and the path prefix of URLs, without a trailing slash', () => {
      const spec = parseMasterString('https://proxy.local:8443/mesos/');
      expect(spec.kind === 'static' && spec.master.url).to.equal('https://proxy.local:8443/mesos');
      const ipv6 = parseMasterString('[::1]:5050');
      expect(ipv6.kind === 'static' && ipv6.master.url).to.equal('http://[::1]:5050');
    });
    it('parses comma-separated lists', () => {
      const spec = parseMasterString('127.0.0.1:5050, http://127.0.0.1:5051/p ,master@127.0.0.1:5052');
      expect(spec.kind).to.equal('list');
      expect(spec.kind === 'list' && spec.masters.map((m) => m.url)).to.deep.equal([
        'http://127.0.0.1:5050',
        'http://127.0.0.1:5051/p',
        'http://127.0.0.1:5052',
      ]);
    });
    for (const bad of [
      '',
      '   ',
      'nohost',
      'host:',
      'host:99999',
      'host:abc',
      'a:1,,b:2',
      'ftp://x:1',
      'http://user:pw@host:1',
      'zk://h:2181/',
      'zk://h:2181',
    ]) {
      it(`rejects ${JSON.stringify(bad)} with MesosConfigError`, () => {
        expect(() => parseMasterString(bad)).to.throw(MesosConfigError);
      });
    }
    it('says "Expecting a (chroot) path" for zk://host/', () => {
      expect(() => parseMasterString('zk://127.0.0.1:2181/')).to.throw(MesosConfigError, /Expecting a \(chroot\) path/);
    });
    it('never puts a password in a config error', () => {
      try {
        parseMasterString('zk://alice:s3cret@127.0.0.1:notaport/mesos');
        expect.fail('should throw');
      } catch (err) {
        expect(err).to.be.instanceOf(MesosConfigError);
        expect((err as Error).message).not.to.include('s3cret');
      }
    });
  });

  describe('parseZooKeeperUrl', () => {
    it('splits servers, path and credentials and redacts the password', () => {
      const url = parseZooKeeperUrl('zk://alice:p@ss@127.0.0.1:2181,127.0.0.2:2182/mesos/prod/');
      expect(url.servers).to.equal('127.0.0.1:2181,127.0.0.2:2182');
      expect(url.path).to.equal('/mesos/prod');
      expect(url.credentials).to.equal('alice:p@ss');
      expect(url.redacted).to.equal('zk://alice:***@127.0.0.1:2181,127.0.0.2:2182/mesos/prod/');
      expect(url.redacted).not.to.include('p@ss');
    });
    it('defaults a missing port to 2181 and has no credentials without userinfo', () => {
      const url = parseZooKeeperUrl('zk://zk1,zk2:2888/mesos');
      expect(url.servers).to.equal('zk1:2181,zk2:2888');
      expect(url.credentials).to.equal(undefined);
    });
    it('rejects credentials without a colon', () => {
      expect(() => parseZooKeeperUrl('zk://alice@h:1/mesos')).to.throw(MesosConfigError, /user:password/);
    });
    it('redactUrl keeps the user and hides the password', () => {
      expect(redactUrl('zk://u:pw@h:1/p')).to.equal('zk://u:***@h:1/p');
      expect(redactUrl('zk://h:1/p')).to.equal('zk://h:1/p');
    });
  });

  describe('file:// master strings', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'detector-file-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('reads and trims the file, and parses its content (a list, a zk URL)', () => {
      writeFileSync(join(dir, 'list'), '\n  127.0.0.1:5050,127.0.0.1:5051 \n');
      const spec = parseMasterString(`file://${join(dir, 'list')}`);
      expect(spec.kind).to.equal('list');
      writeFileSync(join(dir, 'zk'), 'zk://127.0.0.1:2181/mesos\n');
      const zk = parseMasterString(`file://${join(dir, 'zk')}`);
      expect(zk.kind === 'zk' && zk.zk.path).to.equal('/mesos');
    });
    it('rejects a missing or empty file with MesosConfigError', () => {
      expect(() => createDetector(`file://${join(dir, 'missing')}`)).to.throw(MesosConfigError, /ENOENT/);
      writeFileSync(join(dir, 'empty'), '  \n');
      expect(() => createDetector(`file://${join(dir, 'empty')}`)).to.throw(MesosConfigError, /empty/);
    });
  });

  describe('group members', () => {
    it('skips children whose last _ token is not an integer and picks the lowest sequence', () => {
      expect(parseMember('log_replicas')).to.equal(undefined);
      expect(parseMember('json.info_0000000012')).to.deep.equal({
        name: 'json.info_0000000012',
        label: 'json.info',
        sequence: 12,
      });
      expect(parseMember('0000000003')).to.deep.equal({ name: '0000000003', label: '', sequence: 3 });
      expect(leadingMember(['log_replicas', 'json.info_0000000012', 'info_0000000004', 'junk'])?.name).to.equal(
        'info_0000000004',
      );
      expect(leadingMember(['log_replicas', 'junk'])).to.equal(undefined);
    });
    it('decodes json.info, info (protobuf) and bare-sequence (UPID) members', () => {
      const info: MasterInfo = {
        id: 'm1',
        ip: 16777343,
        port: 5050,
        hostname: 'localhost',
        address: { ip: '127.0.0.1', port: 5050 },
      };
      const json = decodeMemberData(
        parseMember('json.info_1')!,
        Buffer.from(JSON.stringify(info)),
        '/mesos/json.info_1',
      );
      expect(json.address?.ip).to.equal('127.0.0.1');
      const proto = getCodec<MasterInfo>(TYPE_NAMES.MasterInfo, 'protobuf').encode(info);
      const binary = decodeMemberData(parseMember('info_2')!, proto, '/mesos/info_2');
      expect(binary.id).to.equal('m1');
      expect(binary.hostname).to.equal('localhost');
      const upid = decodeMemberData(
        parseMember('0000000003')!,
        Buffer.from('master@127.0.0.1:5051'),
        '/mesos/0000000003',
      );
      expect(masterHostPort(upid)).to.deep.equal({ host: '127.0.0.1', port: 5051 });
      expect(parseMasterUpid('master@127.0.0.1:5051', 'x').ip).to.equal(16777343);
    });
    it('names the znode in a MesosDecodeError for malformed content', () => {
      const member = parseMember('json.info_0000000001')!;
      for (const bad of [
        '{not json',
        '[]',
        '{"id":"x"}',
        '{"id":"x","ip":"127.0.0.1","port":5050}',
        '{"id":"x","ip":0,"port":5050}',
      ]) {
        expect(() => decodeMemberData(member, Buffer.from(bad), '/mesos/json.info_0000000001'))
          .to.throw(MesosDecodeError)
          .with.property('message')
          .that.includes('/mesos/json.info_0000000001');
      }
      expect(() => decodeMemberData(parseMember('weird_7')!, Buffer.from('{}'), '/m/weird_7')).to.throw(
        MesosDecodeError,
        /Unknown label/,
      );
    });
  });
});
