// Tests of the customer's texts: built-in texts per language, placeholders filled once, template checks.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  codeSubject,
  customerMessage,
  customerMessageKinds,
  customerMessageTemplate,
  messageTemplateProblems,
  tenantMessage,
} from '../customer-messages.ts';
import { notificationLanguages } from '../policy-notifications.ts';

const values = {
  tenant: 'Acme Bank',
  code: '482913',
  minutes: '5',
  link: 'https://a.example/verify-code#t',
  requester: 'Acme Online Banking',
};

describe('customer messages', () => {
  it('writes each built-in text in the customer language, every placeholder filled', () => {
    for (const language of notificationLanguages) {
      for (const kind of ['code', 'codeLink', 'pushReason', 'signInReason'] as const) {
        const text = customerMessage(kind, { locale: language, values });
        assert.doesNotMatch(text, /\{[a-z]+\}/, `${language} ${kind}`);
        if (kind === 'code' || kind === 'codeLink') assert.match(text, /482913/);
        if (kind === 'signInReason') assert.match(text, /Acme Online Banking/);
        if (kind === 'codeLink') assert.match(text, /https:\/\/a\.example\/verify-code#t/);
      }
    }
    assert.match(
      customerMessage('code', { locale: 'de-CH', values }),
      /^Acme Bank: Ihr Bestätigungscode lautet 482913\./,
    );
    assert.equal(customerMessage('pushReason', { locale: 'de' }), 'Identitätsprüfung für Ihren Anruf');
    assert.match(customerMessage('code', { locale: 'ja-JP', values }), /your verification code is 482913/);
    assert.equal(codeSubject('Acme Bank', 'nl'), 'Acme Bank: uw verificatiecode');
    assert.equal(
      customerMessage('signInReason', { locale: 'de', values }),
      'Anmeldung angefordert von Acme Online Banking',
    );
  });

  it("prefers the tenant's template for the language, then its default, then the built-in text", () => {
    const templates = { de: { code: 'DE {code}' }, default: { code: 'ANY {code}', pushReason: 'Hello' } };
    assert.equal(customerMessageTemplate('code', 'de-AT', templates), 'DE {code}');
    assert.equal(customerMessageTemplate('code', 'fr', templates), 'ANY {code}');
    assert.equal(customerMessageTemplate('pushReason', 'de', templates), 'Hello');
    assert.match(customerMessageTemplate('codeLink', 'de', templates), /öffnen Sie \{link\}/);
    assert.equal(customerMessageTemplate('code', null, templates), 'ANY {code}');
  });

  it("uses the tenant's activation and notice texts where it has them, else nothing", () => {
    const templates = { de: { activationLink: '{tenant}: {link}', noticeVerified: 'Geprüft um {time}' } };
    assert.equal(
      tenantMessage('activationLink', {
        locale: 'de',
        templates,
        values: { tenant: 'Acme', link: 'https://x' },
      }),
      'Acme: https://x',
    );
    assert.equal(
      tenantMessage('noticeVerified', { locale: 'de-DE', templates, values: { time: '1 UTC' } }),
      'Geprüft um 1 UTC',
    );
    assert.equal(tenantMessage('noticeVerified', { locale: 'en', templates }), undefined);
    assert.deepEqual(messageTemplateProblems({ de: { activationLink: 'no link' } }), [
      'messageTemplates.de.activationLink must contain {link}.',
    ]);
  });

  it('fills placeholders once: a value that looks like one stays as it is', () => {
    const text = customerMessage('code', {
      locale: 'en',
      templates: { en: { code: '{tenant}: {code}' } },
      values: { tenant: 'Evil {code}', code: '111111' },
    });
    assert.equal(text, 'Evil {code}: 111111');
  });

  it('refuses templates an admin must fix, with a sentence each', () => {
    assert.deepEqual(messageTemplateProblems({ de: { code: 'Ihr Code {code}' }, default: {} }), []);
    const problems = messageTemplateProblems({
      de: { code: 'no placeholder', codeLink: '{code} only', pushReason: 'Hi {name}' },
      'de-DE': { code: '{code}' },
      en: { sms: '{code}', code: '{code}\nline' },
      fr: 'text',
    });
    assert.deepEqual(problems, [
      'messageTemplates.de.code must contain {code}.',
      'messageTemplates.de.codeLink must contain {link}.',
      'messageTemplates.de.pushReason takes no placeholders; {name} would be shown as it is.',
      'de-DE is not a language: use a code such as de or en, or default.',
      `messageTemplates.en.sms is not a message; use ${customerMessageKinds.join(', ')}.`,
      'messageTemplates.en.code must not contain control characters or line breaks.',
      'messageTemplates.fr must be an object of texts.',
    ]);
    assert.deepEqual(messageTemplateProblems({ en: { code: `{code}${'x'.repeat(480)}` } }), [
      'messageTemplates.en.code is longer than 480 characters.',
    ]);
    assert.deepEqual(messageTemplateProblems([]), ['messageTemplates must be an object of languages.']);
  });
});
