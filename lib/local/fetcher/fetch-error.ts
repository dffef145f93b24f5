/** The one error of the fetcher: why a URI could not be brought into a sandbox. */
import { MesosError } from '../../common/errors';

/** A URI could not be fetched; the message names the cause and never a URL's credentials. */
export class FetchError extends MesosError {}
