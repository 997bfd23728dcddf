import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  decodedViews,
  percentDecode,
  undoMojibake,
  unescapeHtml,
  unescapeJson,
} from './text-views.ts';

describe('decoders', () => {
  it('undo JSON escapes, surrogate pairs included, in one left-to-right pass', () => {
    assert.equal(
      unescapeJson('a\\/b \\"c\\" \\u00e9 \\ud83d\\ude00 \\\\/ \\x41'),
      'a/b "c" é 😀 \\/ A',
    );
    assert.equal(unescapeJson('no escapes'), 'no escapes');
  });

  it('undo HTML references, named, decimal and hex, with or without the semicolon', () => {
    assert.equal(unescapeHtml('&quot;&amp;&#43;&#x2F;&#47&sol;&eacute;&nbsp;'), '"&+//\u002fé ');
    assert.equal(unescapeHtml('&unknown; &#99999999;'), '&unknown; &#99999999;');
  });

  it('undo percent-encoding, tolerant of broken sequences', () => {
    assert.equal(percentDecode('a+b%2B%C3%A9%E2%82', true), 'a b+é\ufffd');
    assert.equal(percentDecode('a+b%2Bc%zz%', false), 'a+b+c%zz%');
  });

  it('read Latin-1 and windows-1252 mojibake back as UTF-8', () => {
    assert.equal(undoMojibake('cafÃ© â‚¬ Ã¼'), 'café € ü');
    assert.equal(undoMojibake('plain text'), 'plain text');
  });
});

describe('decodedViews', () => {
  it('combines decoders over rounds: HTML over JSON, and percent-encoding twice', () => {
    const views = [...decodedViews('&quot;a\\/b&quot; %2540')];
    assert.equal(views[0], '&quot;a\\/b&quot; %2540');
    assert.ok(views.includes('"a/b" @'), JSON.stringify(views));
  });

  it('gives a text nothing decodes as its only view', () => {
    assert.deepEqual(
      [...decodedViews('Token has been expired or revoked.')],
      ['Token has been expired or revoked.'],
    );
  });
});
