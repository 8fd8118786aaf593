// Tests of masked phone numbers and e-mail addresses, as agents see them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maskEmail, maskPhone } from '../masking.ts';

describe('maskPhone', () => {
  const cases: [input: string, masked: string][] = [
    // E.164, as the server stores numbers.
    ['+4915123456789', '+49 ••• •• 89'],
    ['+447911123400', '+44 ••• •• 00'],
    ['+12025550178', '+12 ••• •• 78'],
    ['+4712345678', '+47 ••• •• 78'],
    // The same numbers written for people: spaces, brackets and dashes do not change the mask.
    ['+49 151 2345 6789', '+49 ••• •• 89'],
    ['+1 (202) 555-0178', '+12 ••• •• 78'],
    ['  +44 7911 123400 ', '+44 ••• •• 00'],
    // National formats keep three digits at the front.
    ['015123456789', '015 ••• •• 89'],
    ['(030) 1234-5678', '030 ••• •• 78'],
    // Short numbers: never so much shown that most of the number is given away.
    ['+683 4002', '••• •• 02'],
    ['123456', '••• •• 56'],
    ['12345', '••• •• ••'],
    ['112', '••• •• ••'],
    ['', '••• •• ••'],
    // Digits of other scripts are not read as numbers, so they stay hidden.
    ['+٤٩١٥١٢٣٤٥٦٧٨٩', '••• •• ••'],
  ];
  for (const [input, masked] of cases) {
    it(`${JSON.stringify(input)} → ${masked}`, () => assert.equal(maskPhone(input), masked));
  }

  it('keeps at least four digits of a number hidden', () => {
    for (const [input] of cases) {
      const digits = input.replace(/[^0-9]/g, '').length;
      const shown = maskPhone(input).replace(/[^0-9]/g, '').length;
      assert.ok(shown === 0 || digits - shown >= 4, `${input} shows ${shown} of ${digits} digits`);
    }
  });
});

describe('maskEmail', () => {
  const cases: [input: string, masked: string][] = [
    ['anna@example.com', 'a•••@example.com'],
    ['hana@example.com', 'h•••@example.com'],
    ['first.last+tag@mail.example.co.uk', 'f•••@mail.example.co.uk'],
    // Short local parts: the dots hide how short.
    ['c@example.com', 'c•••@example.com'],
    ['ab@example.com', 'a•••@example.com'],
    ['@example.com', '•••@example.com'],
    // The last @ starts the domain (a quoted local part may hold one).
    ['"a@b"@example.com', '"•••@example.com'],
    // Unicode: a whole code point is shown, never half of a surrogate pair.
    ['élodie@exämple.de', 'é•••@exämple.de'],
    ['用户@例子.中国', '用•••@例子.中国'],
    ['😀smile@example.com', '😀•••@example.com'],
    // Not an address: nothing of it is shown.
    ['not-an-address', '•••'],
  ];
  for (const [input, masked] of cases) {
    it(`${JSON.stringify(input)} → ${masked}`, () => assert.equal(maskEmail(input), masked));
  }
});
