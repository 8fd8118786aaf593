/**
 * The header's navigation: the everyday pages as links, the administration pages under one
 * "Administration" button (the disclosure-navigation pattern: aria-expanded and aria-controls,
 * Enter or Space opens, the arrow keys and Tab move, Escape closes and gives the focus back, a
 * click elsewhere or a navigation closes it, the current page marked in the list and on the
 * button). Practice for every role that may verify, Help for every role. No sideways scrolling at
 * 390 or 1440 px, in English and German. Screenshots of each (menu open and closed, admin and
 * agent) go to .test-artifacts/console/nav-*.png.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { cliActor } from '../../../packages/server/src/platform/audit-log.ts';
import { testPassword } from '../../../packages/server/src/test-support/harness.ts';
import {
  adminMenuButton,
  browserSuite,
  chromiumSkip,
  screenshotDir,
  seriousAccessibilityViolations,
  signIn,
  skipTour,
} from './support.ts';

const skip = chromiumSkip();

type Who = 'agent' | 'admin' | 'auditor' | 'supervisor';

describe('console header: everyday links and the Administration menu', { skip }, () => {
  const suite = browserSuite();
  const supervisorEmail = 'sue@acme.example';

  before(async () => {
    await suite.world.h.runtime.services.operators.create(
      suite.world.tenant.id,
      { email: supervisorEmail, displayName: 'Sue Supervisor', role: 'supervisor', password: testPassword },
      cliActor,
    );
  });

  async function pageAs(who: Who, width = 1440, locale: 'en' | 'de' = 'en'): Promise<Page> {
    const context = await suite.browser.newContext({
      viewport: { width, height: 720 },
      // Signed in in English (signIn reads the English page), then switched as an agent would.
      locale: 'en-GB',
      bypassCSP: true,
    });
    await context.addInitScript(skipTour);
    const page = await context.newPage();
    await signIn(page, suite.world, who === 'supervisor' ? supervisorEmail : suite.world[`${who}Email`]);
    if (locale === 'de') await page.getByRole('banner').getByLabel('Language').selectOption('de');
    return page;
  }

  const nav = (page: Page) => page.getByRole('banner').getByRole('navigation');
  const focused = (page: Page) =>
    page.evaluate(() => {
      const active = document.activeElement;
      return active ? `${active.tagName.toLowerCase()}:${active.textContent?.trim()}` : '';
    });
  const pageWiderThanScreen = (page: Page) =>
    page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

  it('each role sees its everyday pages as links, Practice if it may verify, Help always, and its administration pages in the menu', async () => {
    const expected: Record<Who, { links: string[]; admin: string[] }> = {
      agent: { links: ['Find caller', 'History', 'Practice'], admin: [] },
      supervisor: {
        links: ['Find caller', 'History', 'Fraud queue', 'Dashboard', 'Practice'],
        admin: ['Operators', 'Policy', 'Campaigns'],
      },
      admin: {
        links: ['Find caller', 'History', 'Fraud queue', 'Dashboard', 'Practice'],
        admin: ['Operators', 'API keys', 'Settings', 'Policy', 'Webhooks', 'Campaigns', 'Audit log'],
      },
      auditor: {
        links: ['Find caller', 'History', 'Dashboard'],
        admin: ['Operators', 'API keys', 'Policy', 'Webhooks', 'Audit log'],
      },
    };
    for (const who of ['agent', 'supervisor', 'admin', 'auditor'] as const) {
      const page = await pageAs(who);
      const { links, admin } = expected[who];
      // Closed, the menu's links are out of the way (and out of the accessibility tree).
      assert.deepEqual(await nav(page).getByRole('link').allTextContents(), links, who);
      const button = adminMenuButton(page);
      if (admin.length === 0) {
        assert.equal(await button.count(), 0, `${who} has no Administration menu`);
      } else {
        await button.click();
        const list = page.locator(`[id="${await button.getAttribute('aria-controls')}"]`);
        assert.deepEqual(await list.getByRole('link').allTextContents(), admin, who);
        await page.keyboard.press('Escape');
      }
      // Help, for everyone: the tour again, and practice for those who may.
      await page.getByRole('button', { name: 'Help' }).click();
      await page.getByRole('button', { name: 'Show the tour again' }).waitFor();
      assert.equal(
        await page.getByRole('link', { name: 'Practise a call' }).count(),
        links.includes('Practice') ? 1 : 0,
        who,
      );
      await page.context().close();
    }
  });

  it('keyboard: Enter and Space open it, the arrows and Tab move, Escape closes and returns the focus; a link goes there and closes it', async () => {
    const page = await pageAs('admin');
    const button = adminMenuButton(page);
    const listId = await button.getAttribute('aria-controls');
    assert.ok(listId);
    const list = page.locator(`[id="${listId}"]`);
    assert.equal(await button.getAttribute('aria-expanded'), 'false');
    assert.equal(await list.isVisible(), false);

    // Enter opens it and leaves the focus on the button (a disclosure); the arrows go in.
    await button.focus();
    await page.keyboard.press('Enter');
    assert.equal(await button.getAttribute('aria-expanded'), 'true');
    await list.waitFor();
    assert.equal(await focused(page), 'button:Administration');
    await page.keyboard.press('ArrowDown');
    assert.equal(await focused(page), 'a:Operators');
    await page.keyboard.press('ArrowDown');
    assert.equal(await focused(page), 'a:API keys');
    await page.keyboard.press('End');
    assert.equal(await focused(page), 'a:Audit log');
    await page.keyboard.press('ArrowDown');
    assert.equal(await focused(page), 'a:Operators', 'the arrows wrap round');
    await page.keyboard.press('ArrowUp');
    assert.equal(await focused(page), 'a:Audit log');
    await page.keyboard.press('Home');
    assert.equal(await focused(page), 'a:Operators');

    // Escape closes it and gives the focus back to the button.
    await page.keyboard.press('Escape');
    assert.equal(await button.getAttribute('aria-expanded'), 'false');
    assert.equal(await list.isVisible(), false);
    assert.equal(await focused(page), 'button:Administration');

    // Space opens it too; Tab walks the links in order, and Tab past the last one closes it.
    await page.keyboard.press('Space');
    assert.equal(await button.getAttribute('aria-expanded'), 'true');
    const order = [];
    for (let i = 0; i < 7; i++) {
      await page.keyboard.press('Tab');
      order.push(await focused(page));
    }
    assert.deepEqual(order, [
      'a:Operators',
      'a:API keys',
      'a:Settings',
      'a:Policy',
      'a:Webhooks',
      'a:Campaigns',
      'a:Audit log',
    ]);
    await page.keyboard.press('Tab');
    assert.equal(await button.getAttribute('aria-expanded'), 'false');
    assert.equal(await list.isVisible(), false);

    // ArrowUp on the closed button opens it at the last page; Enter follows the link.
    await button.focus();
    await page.keyboard.press('ArrowUp');
    assert.equal(await focused(page), 'a:Audit log');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    assert.equal(await focused(page), 'a:Webhooks');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor();
    // Closed on navigation; as after any header link, the new page's heading has the focus. The
    // button now holds the current page.
    assert.equal(await button.getAttribute('aria-expanded'), 'false');
    assert.equal(await focused(page), 'h1:Webhooks');
    assert.equal(await button.getAttribute('aria-current'), 'true');
    assert.equal(await nav(page).locator('a[aria-current="page"]').count(), 1);

    // Inside, the current page is marked; axe finds nothing serious with the menu open.
    await button.click();
    assert.equal(await list.getByRole('link', { name: 'Webhooks' }).getAttribute('aria-current'), 'page');
    assert.equal(await list.locator('[aria-current]').count(), 1);
    await page.screenshot({ path: `${screenshotDir}/nav-admin-en-1440-current.png` });
    assert.deepEqual(await seriousAccessibilityViolations(page), []);

    // A click elsewhere closes it; an everyday page takes the mark off the button.
    await page.mouse.click(1400, 650);
    assert.equal(await list.isVisible(), false);
    await nav(page).getByRole('link', { name: 'History' }).click();
    await page.getByRole('heading', { level: 1, name: 'History' }).waitFor();
    assert.equal(await button.getAttribute('aria-current'), null);
    assert.equal(await nav(page).getByRole('link', { name: 'History' }).getAttribute('aria-current'), 'page');

    // Escape on a closed menu is no one's business here: nothing opens, the focus stays.
    await button.focus();
    await page.keyboard.press('Escape');
    assert.equal(await button.getAttribute('aria-expanded'), 'false');

    // The mouse: a click opens it, a click on a link goes there and closes it.
    await button.click();
    await list.getByRole('link', { name: 'Policy' }).click();
    await page.getByRole('heading', { level: 1, name: 'Policy' }).waitFor();
    assert.equal(await list.isVisible(), false);
    await page.context().close();
  });

  it('German, at 390 and 1440 px, admin and agent: one header row when wide, nothing wider than the screen, the open list inside it; axe clean', async () => {
    for (const locale of ['en', 'de'] as const) {
      for (const width of [390, 1440] as const) {
        for (const who of ['admin', 'agent'] as const) {
          const page = await pageAs(who, width, locale);
          const where = `${who} at ${width} px (${locale})`;
          const header = page.locator('header.top-bar');
          await page.screenshot({ path: `${screenshotDir}/nav-${who}-${locale}-${width}-closed.png` });
          if (width === 1440) {
            const height = await header.evaluate((el) => el.getBoundingClientRect().height);
            assert.ok(height < 70, `the header is ${height} px tall for the ${where}: it wrapped`);
          }
          // The navigation never scrolls sideways within its row, and the page never does.
          const navOverflow = await nav(page)
            .locator('ul')
            .first()
            .evaluate((el) => el.scrollWidth - el.clientWidth);
          assert.ok(
            navOverflow <= 0,
            `the navigation scrolls sideways by ${navOverflow} px for the ${where}`,
          );
          assert.ok(
            (await pageWiderThanScreen(page)) <= 0,
            `the page is wider than the screen for the ${where}`,
          );
          assert.deepEqual(await seriousAccessibilityViolations(page), [], where);

          const button = adminMenuButton(page);
          if (who === 'admin') {
            assert.equal(
              (await button.textContent())?.trim(),
              locale === 'de' ? 'Verwaltung' : 'Administration',
            );
            await button.click();
            const list = page.locator(`[id="${await button.getAttribute('aria-controls')}"]`);
            await list.waitFor();
            // German: the long names too, each link whole inside the screen.
            const boxes = await list
              .getByRole('link')
              .evaluateAll((links) =>
                links.map((a) => [
                  a.textContent,
                  a.getBoundingClientRect().left,
                  a.getBoundingClientRect().right,
                ]),
              );
            assert.equal(boxes.length, 7);
            if (locale === 'de')
              assert.deepEqual(
                boxes.map(([text]) => text),
                [
                  'Mitarbeitende',
                  'API-Schlüssel',
                  'Einstellungen',
                  'Richtlinie',
                  'Webhooks',
                  'Kampagnen',
                  'Prüfprotokoll',
                ],
              );
            for (const [text, left, right] of boxes)
              assert.ok(
                Number(left) >= 0 && Number(right) <= width,
                `"${text}" is at ${left}-${right} px for the ${where}`,
              );
            assert.ok(
              (await pageWiderThanScreen(page)) <= 0,
              `the open menu widens the page for the ${where}`,
            );
            assert.deepEqual(await seriousAccessibilityViolations(page), [], `${where}, menu open`);
            await page.screenshot({ path: `${screenshotDir}/nav-${who}-${locale}-${width}-open.png` });
            // Escape closes it and returns the focus here too.
            await page.keyboard.press('Escape');
            assert.equal(await list.isVisible(), false);
            assert.equal(await page.evaluate(() => document.activeElement?.className), 'nav-menu-button');
          } else {
            assert.equal(await button.count(), 0);
            await page.getByRole('button', { name: locale === 'de' ? 'Hilfe' : 'Help' }).click();
            await page.screenshot({ path: `${screenshotDir}/nav-${who}-${locale}-${width}-open.png` });
          }
          await page.context().close();
        }
      }
    }
  });
});
