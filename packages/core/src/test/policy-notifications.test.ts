// Tests of the notices a customer gets after a verification, a fraud report or a new device.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  customerNotificationSubject,
  customerNotificationText,
  notificationLanguage,
} from '../policy-notifications.ts';

const at = Date.UTC(2026, 10, 24, 14, 2);

describe('customer notifications', () => {
  it('writes the e-mail subject in the customer language', () => {
    assert.equal(
      customerNotificationSubject('fraud_reported', { tenantName: 'Acme Bank', locale: 'de-AT' }),
      'Acme Bank: Ihre Betrugsmeldung',
    );
    assert.equal(
      customerNotificationSubject('verified', { tenantName: 'Acme Bank', locale: null }),
      'Acme Bank: you were verified by our helpdesk',
    );
  });

  it('picks the language of the locale, English otherwise', () => {
    assert.equal(notificationLanguage('de-CH'), 'de');
    assert.equal(notificationLanguage('FR'), 'fr');
    assert.equal(notificationLanguage('ja-JP'), 'en');
    assert.equal(notificationLanguage(null), 'en');
  });

  it('says when the helpdesk verified the customer, in UTC, in their language', () => {
    const en = customerNotificationText('verified', { tenantName: 'Acme Bank', at, locale: 'en-GB' });
    assert.match(en, /^Acme Bank: you were verified by our helpdesk at .*14:02.* UTC\. If this was not you/);
    const de = customerNotificationText('verified', { tenantName: 'Acme Bank', at, locale: 'de-CH' });
    assert.match(de, /Unser Kundendienst hat Sie um .*14:02 UTC verifiziert/);
  });

  it('confirms a fraud report without a link or a code to act on', () => {
    const text = customerNotificationText('fraud_reported', { tenantName: 'Acme Bank', at, locale: 'nl' });
    assert.match(text, /niet van u kwam/);
    assert.doesNotMatch(text, /https?:|\d{6}/);
  });

  it('tells the customer a new device was set up, in their language, with nothing to act on', () => {
    const en = customerNotificationText('device_enrolled', { tenantName: 'Acme Bank', at, locale: 'en' });
    assert.match(
      en,
      /^Acme Bank: a new device was set up to confirm your identity at .*UTC\. If this was not you/,
    );
    const de = customerNotificationText('device_enrolled', { tenantName: 'Acme Bank', at, locale: 'de' });
    assert.match(de, /ein neues Gerät zur Bestätigung Ihrer Identität eingerichtet/);
    for (const locale of ['fr', 'es', 'nl']) {
      const text = customerNotificationText('device_enrolled', { tenantName: 'Acme Bank', at, locale });
      assert.doesNotMatch(text, /https?:|\d{6}/);
    }
  });
});
