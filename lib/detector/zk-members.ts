/**
 * How Mesos masters appear as children of the ZooKeeper group znode (§6), and how the leading
 * member's data becomes a MasterInfo.
 */
import { getCodec, TYPE_NAMES } from '../codec/codec';
import type { MasterInfo } from '../codec/messages';
import { MesosDecodeError } from '../common/errors';
import { parseMasterInfoJson, parseMasterUpid, validateMasterInfo } from './master-info';

/** The label of the znodes current Mesos masters create (`json.info_0000000007`). */
export const MASTER_INFO_JSON_LABEL = 'json.info';
/** The label of the deprecated binary MasterInfo znodes (`info_0000000007`). */
export const MASTER_INFO_LABEL = 'info';

/** One group member: a child znode whose last `_` token is a sequence number. */
export interface GroupMember {
  /** The child's name, e.g. `json.info_0000000003`. */
  readonly name: string;
  /** The first `_` token (`json.info`, `info`), or '' for a bare sequence. */
  readonly label: string;
  readonly sequence: number;
}

/** Parses a child name into a member, or undefined when it is not one (e.g. `log_replicas`). */
export function parseMember(name: string): GroupMember | undefined {
  const tokens = name.split('_');
  const last = tokens[tokens.length - 1] as string;
  if (!/^\d+$/.test(last)) return undefined;
  return { name, label: tokens.length > 1 ? (tokens[0] as string) : '', sequence: Number(last) };
}

/** The leading member of a group: the one with the lowest sequence, whatever its label. */
export function leadingMember(children: readonly string[]): GroupMember | undefined {
  let leader: GroupMember | undefined;
  for (const child of children) {
    const member = parseMember(child);
    if (member && (!leader || member.sequence < leader.sequence)) leader = member;
  }
  return leader;
}

/** Turns the data of a member znode into a MasterInfo according to its label; MesosDecodeError names `znode`. */
export function decodeMemberData(member: GroupMember, data: Uint8Array, znode: string): MasterInfo {
  switch (member.label) {
    case MASTER_INFO_JSON_LABEL:
      return parseMasterInfoJson(data, `znode ${znode}`);
    case MASTER_INFO_LABEL:
      return decodeMasterInfoProtobuf(data, znode);
    case '':
      return parseMasterUpid(Buffer.from(data).toString('utf8'), `znode ${znode}`);
    default:
      throw new MesosDecodeError(`Unknown label ${JSON.stringify(member.label)} of the leading znode ${znode}`);
  }
}

function decodeMasterInfoProtobuf(data: Uint8Array, znode: string): MasterInfo {
  let info: MasterInfo;
  try {
    info = getCodec<MasterInfo>(TYPE_NAMES.MasterInfo, 'protobuf').decode(data);
  } catch (err) {
    throw new MesosDecodeError(`Invalid binary MasterInfo in znode ${znode}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return validateMasterInfo(info, `znode ${znode}`);
}
