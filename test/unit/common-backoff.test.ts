import { expect } from 'chai';
import { ExponentialBackoff } from '../../lib/common/backoff';

describe('ExponentialBackoff', () => {
  it('grows the bound by the factor up to the cap, with no jitter', () => {
    const b = new ExponentialBackoff({ initialMs: 100, factor: 2, maxMs: 700, jitter: 0 });
    expect([b.next(), b.next(), b.next(), b.next(), b.next()]).to.deep.equal([100, 200, 400, 700, 700]);
  });

  it('draws a random delay in [0, bound] with full jitter, as libmesos does', () => {
    const draws = [0, 0.5, 0.999];
    const b = new ExponentialBackoff({ initialMs: 2000, jitter: 1, random: () => draws.shift() ?? 0 });
    expect(b.next()).to.equal(2000); // random 0 -> the whole bound
    expect(b.next()).to.equal(2000); // bound 4000, half taken off
    expect(b.next()).to.equal(Math.round(8000 * 0.001));
  });

  it('defaults to a 2 s initial bound doubling to one minute', () => {
    const b = new ExponentialBackoff({ jitter: 0 });
    const seen = Array.from({ length: 8 }, () => b.next());
    expect(seen).to.deep.equal([2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
  });

  it('starts again from the initial bound after reset()', () => {
    const b = new ExponentialBackoff({ initialMs: 10, jitter: 0 });
    b.next();
    b.next();
    b.reset();
    expect(b.next()).to.equal(10);
  });

  it('rejects nonsensical options with a RangeError naming them', () => {
    expect(() => new ExponentialBackoff({ factor: 0.5 })).to.throw(RangeError, /factor=0.5/);
    expect(() => new ExponentialBackoff({ jitter: 2 })).to.throw(RangeError, /jitter=2/);
    expect(() => new ExponentialBackoff({ initialMs: Number.NaN })).to.throw(RangeError);
  });
});
