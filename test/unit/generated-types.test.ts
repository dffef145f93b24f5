/** lib/codec/messages.ts must be exactly what proto/tools/gen-types.ts writes from proto/. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { generateMessagesSource } from '../../proto/tools/gen-types';

describe('generated message types', () => {
  it('lib/codec/messages.ts is up to date with proto/ (run `npm run gen:types` if not)', () => {
    const committed = readFileSync(path.join(__dirname, '../../lib/codec/messages.ts'), 'utf8');
    const generated = generateMessagesSource();
    if (generated !== committed) {
      const a = generated.split('\n');
      const b = committed.split('\n');
      const line = a.findIndex((text, i) => text !== b[i]);
      expect.fail(
        `messages.ts is stale; first difference at line ${line + 1}:\n  generated: ${a[line]}\n  committed: ${b[line]}`,
      );
    }
  });
});
