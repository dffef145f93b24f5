/**
 * What a CommandInfo.URI names, as Mesos's fetcher reads it: a local absolute path, a `file://`
 * URL, or an `http(s)://` URL; and the name the fetched file gets in the sandbox.
 */
import { basename, isAbsolute, normalize } from 'node:path';
import { FetchError } from './fetch-error';

/** Where a URI's bytes come from. */
export type UriSource = { readonly kind: 'local'; readonly path: string } | { readonly kind: 'net'; readonly url: URL };

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;

/** The URI as it may appear in messages and logs: without the user information (credentials). */
export function redactUri(value: string): string {
  return value.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#]*@/, '$1');
}

/** Mesos refuses these characters in a URI before fetching anything. */
function checkCharacters(value: string): void {
  if (/[\\'\0]/.test(value)) throw new FetchError('Illegal characters in URI');
}

/** Classifies a URI value (leading whitespace is ignored, as Mesos does). */
export function sourceOf(raw: string): UriSource {
  const value = raw.trimStart();
  checkCharacters(value);
  const scheme = SCHEME.exec(value)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    if (!isAbsolute(value)) {
      throw new FetchError(
        'A relative path was passed for the resource but the Mesos framework home was not specified. ' +
          'Please either provide this config option or avoid using a relative path',
      );
    }
    return { kind: 'local', path: value };
  }
  if (scheme === 'file') {
    let path = value.slice('file://'.length);
    if (path.startsWith('localhost')) path = path.slice('localhost'.length);
    if (!path.startsWith('/')) throw new FetchError('File URI only supports absolute paths');
    return { kind: 'local', path };
  }
  if (scheme === 'http' || scheme === 'https') {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new FetchError('Malformed URI');
    }
    return { kind: 'net', url };
  }
  throw new FetchError(
    `Unsupported URI scheme '${scheme}://' (LocalCluster fetches local paths, file://, http:// and https://)`,
  );
}

/**
 * The path, relative to the sandbox, that a URI is fetched to: its `output_file`, or the last
 * segment of its path (for a URL, of the URL's path, so a query string is not part of it).
 */
export function outputPathOf(uri: { value: string; output_file?: string }): string {
  if (uri.output_file !== undefined) {
    const output = uri.output_file;
    if (output === '') throw new FetchError('URI output file path is empty');
    const normalized = normalize(output);
    if (isAbsolute(output) || normalized === '..' || normalized.startsWith('../'))
      throw new FetchError('URI output file must be within the sandbox directory');
    if (normalized === '.' || normalized.endsWith('/'))
      throw new FetchError(`URI output file '${output}' names a directory`);
    return normalized;
  }
  const source = sourceOf(uri.value);
  if (source.kind === 'local') {
    const name = basename(source.path);
    if (name === '' || source.path.endsWith('/')) throw new FetchError(`Malformed URI (missing path)`);
    return name;
  }
  const segments = source.url.pathname.split('/');
  const last = segments[segments.length - 1] ?? '';
  let name: string;
  try {
    name = decodeURIComponent(last);
  } catch {
    name = last;
  }
  if (name === '' || name === '.' || name === '..' || name.includes('/'))
    throw new FetchError('Malformed URI (missing path)');
  return name;
}
