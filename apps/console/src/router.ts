import { useEffect, useState } from 'react';

/** Screens are addressed by the URL fragment (`#/customers/cus_…`), so the server serves one page. */
export type Route =
  | { name: 'search' }
  | { name: 'customer'; id: string }
  | { name: 'history' }
  | { name: 'verification'; id: string }
  | { name: 'operators' }
  | { name: 'apiKeys' }
  | { name: 'settings' }
  | { name: 'audit' }
  | { name: 'policy' }
  | { name: 'webhooks' }
  | { name: 'fraudQueue' }
  | { name: 'dashboard' }
  | { name: 'fraudCase'; id: string }
  | { name: 'campaigns' }
  | { name: 'campaign'; id: string }
  | { name: 'account' }
  | { name: 'practice' }
  | { name: 'practiceSession'; id: string }
  | { name: 'notFound' };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/';
  // `#ssoError=…` from a refused single sign-on lands on the start page (the sign-in page reads it).
  if (path.startsWith('ssoError=')) return { name: 'search' };
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const [first, second] = parts;
  if (!first) return { name: 'search' };
  if (first === 'customers' && second) return { name: 'customer', id: second };
  if (first === 'history' && second) return { name: 'verification', id: second };
  if (first === 'history') return { name: 'history' };
  if (first === 'operators') return { name: 'operators' };
  if (first === 'api-keys') return { name: 'apiKeys' };
  if (first === 'settings') return { name: 'settings' };
  if (first === 'audit') return { name: 'audit' };
  if (first === 'policy') return { name: 'policy' };
  if (first === 'webhooks') return { name: 'webhooks' };
  if (first === 'fraud-cases' && second) return { name: 'fraudCase', id: second };
  if (first === 'fraud-cases') return { name: 'fraudQueue' };
  if (first === 'dashboard') return { name: 'dashboard' };
  if (first === 'campaigns' && second) return { name: 'campaign', id: second };
  if (first === 'campaigns') return { name: 'campaigns' };
  if (first === 'account') return { name: 'account' };
  if (first === 'practice' && second) return { name: 'practiceSession', id: second };
  if (first === 'practice') return { name: 'practice' };
  return { name: 'notFound' };
}

export function href(route: Route): string {
  switch (route.name) {
    case 'search':
      return '#/';
    case 'customer':
      return `#/customers/${encodeURIComponent(route.id)}`;
    case 'history':
      return '#/history';
    case 'verification':
      return `#/history/${encodeURIComponent(route.id)}`;
    case 'operators':
      return '#/operators';
    case 'apiKeys':
      return '#/api-keys';
    case 'settings':
      return '#/settings';
    case 'audit':
      return '#/audit';
    case 'policy':
      return '#/policy';
    case 'webhooks':
      return '#/webhooks';
    case 'fraudQueue':
      return '#/fraud-cases';
    case 'dashboard':
      return '#/dashboard';
    case 'fraudCase':
      return `#/fraud-cases/${encodeURIComponent(route.id)}`;
    case 'campaigns':
      return '#/campaigns';
    case 'campaign':
      return `#/campaigns/${encodeURIComponent(route.id)}`;
    case 'account':
      return '#/account';
    case 'practice':
      return '#/practice';
    case 'practiceSession':
      return `#/practice/${encodeURIComponent(route.id)}`;
    default:
      return '#/';
  }
}

export function navigate(route: Route): void {
  window.location.hash = href(route);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
