/** The master detector interface, its options and the shapes it reports. */
import type { ConnectionOptions } from 'node:tls';
import type { Credential, MasterInfo } from '../codec/messages';
import type { BackoffStrategy } from '../common/backoff';

/** Where the leading master is. `url` is a base URL such as 'http://10.0.0.1:5050' (maybe with a path prefix, no trailing slash). */
export interface MasterLocation {
  /** Base URL of the leading master, without a trailing slash. */
  url: string;
  /** The master's MasterInfo, when the detector knows it (ZooKeeper). */
  info?: MasterInfo;
}

/** Finds the leading master and reports when it changes. */
export interface MasterDetector {
  /**
   * Resolves as soon as the current leader differs from `previous` (compared by url; null = no leader):
   * at once if it already differs, else when it changes. Rejects with MesosAbortError on abort, or with
   * a typed error for a failure the caller should report (the caller may call detect again).
   */
  detect(previous: MasterLocation | null, options?: { signal?: AbortSignal }): Promise<MasterLocation | null>;
  /** Stops detection and releases connections; pending and later detect calls reject with MesosAbortError. */
  close(): Promise<void>;
}

/** TLS settings for probing masters over https (list detection). */
export type DetectorTlsOptions = Pick<
  ConnectionOptions,
  'ca' | 'cert' | 'key' | 'passphrase' | 'rejectUnauthorized' | 'servername'
>;

/** Options of {@link createDetector}. */
export interface DetectorOptions {
  /** Scheme of URLs built from `host:port` strings and ZooKeeper MasterInfo. Default 'http'. */
  scheme?: 'http' | 'https';
  /** TLS settings for https probes. */
  tls?: DetectorTlsOptions;
  /** Sent as HTTP Basic authentication with list probes (never logged). */
  credential?: Credential;
  /** Time limit of one `/master/redirect` probe, in ms. Default 5000. */
  probeTimeoutMs?: number;
  /** How often a waiting list detector probes the masters again, in ms. Default 3000. */
  pollIntervalMs?: number;
  /** ZooKeeper session timeout, in ms. Default 10000 (Mesos's MASTER_DETECTOR_ZK_SESSION_TIMEOUT). */
  zkSessionTimeoutMs?: number;
  /** Backoff between retries of failed ZooKeeper reads. Default: 2 s doubling to 60 s, as Mesos's Group. */
  backoff?: BackoffStrategy;
}

/** Default ZooKeeper session timeout of Mesos's master detector, in ms. */
export const DEFAULT_ZK_SESSION_TIMEOUT_MS = 10_000;
