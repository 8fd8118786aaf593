import { useCallback, useEffect, useMemo, useState } from 'react';
import { Dashboard } from './analytics/Dashboard.tsx';
import { createConsoleApi } from './api/client.ts';
import type { Permission, Session } from './api/types.ts';
import { LanguageSwitch } from './components/common.tsx';
import { NavMenu } from './components/NavMenu.tsx';
import { FraudCasePage } from './fraud-queue/FraudCasePage.tsx';
import { FraudQueue } from './fraud-queue/FraudQueue.tsx';
import {
  FraudAlertBanner,
  type FraudQueueLive,
  OpenCaseBadge,
  useFraudQueueLive,
} from './fraud-queue/live.tsx';
import { type MessageKey, useI18n } from './i18n/i18n.tsx';
import { Admin } from './pages/Admin.tsx';
import { AuditLog } from './pages/AuditLog.tsx';
import { Campaigns } from './pages/Campaigns.tsx';
import { ChangePassword } from './pages/ChangePassword.tsx';
import { CustomerPage } from './pages/CustomerPage.tsx';
import { History, VerificationView } from './pages/History.tsx';
import { Policy } from './pages/Policy.tsx';
import { Search } from './pages/Search.tsx';
import { SecondFactorGate } from './pages/SecondFactor.tsx';
import { SignIn } from './pages/SignIn.tsx';
import { Webhooks } from './pages/Webhooks.tsx';
import { createPracticeApi } from './practice/api.ts';
import { PracticePage, PracticeSessionView } from './practice/PracticePage.tsx';
import { href, type Route, useRoute } from './router.ts';
import { HelpMenu } from './tour/HelpMenu.tsx';
import { rememberSeen, Tour, tourSeen } from './tour/Tour.tsx';

interface NavItem {
  route: Route;
  label: MessageKey;
  needs: Permission;
}

// Role-aware navigation: each entry shows only to operators whose role holds its permission.
// The pages of the everyday work are links in the header…
const navItems: NavItem[] = [
  { route: { name: 'search' }, label: 'nav.search', needs: 'customers:read' },
  { route: { name: 'history' }, label: 'nav.history', needs: 'verifications:read' },
  { route: { name: 'fraudQueue' }, label: 'nav.fraudQueue', needs: 'fraud-cases:read' },
  { route: { name: 'dashboard' }, label: 'nav.dashboard', needs: 'analytics:read' },
  // Whoever may verify a caller may practise it (the practice API asks the same permission).
  { route: { name: 'practice' }, label: 'nav.practice', needs: 'verifications:write' },
];

// …and the administration pages sit behind one "Administration" button at its end, so the header
// keeps to one row however many of them a role may open, in German too.
const adminItems: NavItem[] = [
  { route: { name: 'operators' }, label: 'nav.operators', needs: 'operators:read' },
  { route: { name: 'apiKeys' }, label: 'nav.apiKeys', needs: 'api-keys:read' },
  { route: { name: 'settings' }, label: 'nav.settings', needs: 'tenant:write' },
  { route: { name: 'policy' }, label: 'nav.policy', needs: 'policy:read' },
  { route: { name: 'webhooks' }, label: 'nav.webhooks', needs: 'webhooks:read' },
  { route: { name: 'campaigns' }, label: 'nav.campaigns', needs: 'campaigns:read' },
  { route: { name: 'audit' }, label: 'nav.audit', needs: 'audit:read' },
];

function section(route: Route): Route['name'] {
  if (route.name === 'customer') return 'search';
  if (route.name === 'verification') return 'history';
  if (route.name === 'fraudCase') return 'fraudQueue';
  if (route.name === 'campaign') return 'campaigns';
  if (route.name === 'practiceSession') return 'practice';
  return route.name;
}

export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  // An ended session (idle timeout, sign-out elsewhere) brings the sign-in page back.
  const api = useMemo(() => createConsoleApi(() => setSession(null)), []);
  const { t } = useI18n();
  const route = useRoute();
  const ready = session && session.pendingStep === null && !session.operator.passwordChangeRequired;
  const live = useFraudQueueLive(ready ? session : null);
  // The first-run tour: decided once per signed-in operator, replayed from the Help menu.
  const [touring, setTouring] = useState(false);

  useEffect(() => {
    api
      .session()
      .then(setSession)
      .catch(() => setSession(null));
  }, [api]);

  useEffect(() => {
    document.title = t('app.title');
  }, [t]);

  const tourOperator =
    session && session.pendingStep === null && !session.operator.passwordChangeRequired
      ? session.operator.id
      : null;
  const csrfToken = session?.csrfToken ?? '';
  useEffect(() => {
    if (!tourOperator || tourSeen(tourOperator)) return;
    // Not seen in this browser: the server knows whether it was seen in another.
    createPracticeApi(csrfToken)
      .tourState()
      .then(
        ({ seenAt }) => (seenAt === null ? setTouring(true) : rememberSeen(tourOperator)),
        () => {},
      );
  }, [tourOperator, csrfToken]);
  const markTourSeen = useCallback(() => {
    createPracticeApi(csrfToken)
      .markTourSeen()
      .catch(() => {});
  }, [csrfToken]);

  if (session === undefined) return <p className="muted loading">{t('app.loading')}</p>;
  if (session === null) return <SignIn api={api} onSignedIn={setSession} />;

  const can = (permission: Permission) => session.permissions.includes(permission);
  const signOut = async () => {
    await api.signOut().catch(() => {});
    window.location.hash = '#/';
    setSession(null);
  };

  // A generated password: only its change is offered (the server allows nothing else).
  // After the password, the second factor (or its set-up) comes first; the server allows nothing else.
  const waiting = session.pendingStep !== null;
  const forced = waiting || session.operator.passwordChangeRequired;
  const current = section(route);
  const shown = (item: NavItem) => !forced && can(item.needs);
  const adminLinks = adminItems.filter(shown);
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <header className="top-bar">
        <a className="brand" href="#/">
          {session.tenant.name}
          <span className="brand-product"> · {t('app.title')}</span>
        </a>
        <nav aria-label={t('app.mainNav')}>
          <ul>
            {navItems.filter(shown).map((item) => (
              <li key={item.label}>
                <a
                  href={href(item.route)}
                  aria-current={current === item.route.name ? 'page' : undefined}
                  data-tour={item.route.name === 'practice' ? 'practice' : undefined}
                >
                  {t(item.label)}
                  {item.route.name === 'fraudQueue' && <OpenCaseBadge count={live.openCount} />}
                </a>
              </li>
            ))}
            {adminLinks.length > 0 && (
              <li>
                <NavMenu
                  label={t('nav.admin')}
                  routeKey={JSON.stringify(route)}
                  links={adminLinks.map((item) => ({
                    href: href(item.route),
                    label: t(item.label),
                    current: current === item.route.name,
                  }))}
                />
              </li>
            )}
          </ul>
        </nav>
        <div className="top-right">
          {/* Name over role, so the pair takes little of the header's one row; it opens your account. */}
          <a className="who" href={href({ name: 'account' })} title={t('nav.account')}>
            <span className="who-name">{session.operator.displayName}</span>{' '}
            <span className="who-role">({t(`role.${session.operator.role}`)})</span>
          </a>
          {!forced && <HelpMenu onTour={() => setTouring(true)} canPractise={can('verifications:write')} />}
          <LanguageSwitch />
          <button type="button" className="button small" onClick={() => void signOut()}>
            {t('app.signOut')}
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {!forced && live.allowed && <FraudAlertBanner live={live} />}
        {waiting ? (
          <SecondFactorGate api={api} session={session} onSession={setSession} />
        ) : (
          <Screen
            route={forced ? { name: 'account' } : route}
            session={session}
            api={api}
            live={live}
            onSignedOut={() => setSession(null)}
            onTour={() => setTouring(true)}
          />
        )}
      </main>
      {touring && !forced && (
        <Tour
          operatorId={session.operator.id}
          tenantName={session.tenant.name}
          onClose={() => setTouring(false)}
          onSeen={markTourSeen}
        />
      )}
    </div>
  );
}

function Screen({
  route,
  session,
  api,
  live,
  onSignedOut,
  onTour,
}: {
  route: Route;
  session: Session;
  api: ReturnType<typeof createConsoleApi>;
  live: FraudQueueLive;
  onSignedOut: () => void;
  onTour: () => void;
}) {
  const { t } = useI18n();
  switch (route.name) {
    case 'search':
      return <Search api={api} session={session} />;
    case 'customer':
      return <CustomerPage key={route.id} api={api} session={session} id={route.id} />;
    case 'history':
      return <History api={api} />;
    case 'verification':
      return <VerificationView key={route.id} api={api} session={session} id={route.id} />;
    case 'operators':
    case 'apiKeys':
    case 'settings':
      return <Admin api={api} session={session} page={route.name} />;
    case 'audit':
      return <AuditLog api={api} />;
    case 'policy':
      return <Policy api={api} session={session} />;
    case 'webhooks':
      return <Webhooks session={session} />;
    case 'fraudQueue':
      return <FraudQueue session={session} live={live} />;
    case 'dashboard':
      return <Dashboard session={session} />;
    case 'fraudCase':
      return <FraudCasePage key={route.id} api={api} session={session} id={route.id} live={live} />;
    case 'campaigns':
      return <Campaigns session={session} />;
    case 'campaign':
      return <Campaigns session={session} id={route.id} />;
    case 'practice':
      return <PracticePage session={session} listOperators={api.operators} onTour={onTour} />;
    case 'practiceSession':
      return <PracticeSessionView key={route.id} session={session} id={route.id} />;
    case 'account':
      return (
        <ChangePassword
          api={api}
          session={session}
          forced={session.operator.passwordChangeRequired}
          onSignedOut={onSignedOut}
        />
      );
    default:
      return <p>{t('app.notFound')}</p>;
  }
}
