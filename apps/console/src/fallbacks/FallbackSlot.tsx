import { createContext, type ReactNode, useContext } from 'react';

/** Where a push request ended up when the verify panel offers another method. */
export type PushSituation = 'unreachable' | 'expired' | 'denied' | 'failed';

/**
 * The verify panel's hook for fallback methods: the console provides what to offer (the next
 * method the policy allows for this caller); without a provider (the embedded widget) the panel
 * shows what it showed before.
 */
export const FallbackOfferContext = createContext<((situation: PushSituation) => ReactNode) | null>(null);

export function FallbackSlot({ situation, children }: { situation: PushSituation; children?: ReactNode }) {
  const render = useContext(FallbackOfferContext);
  return <>{render ? render(situation) : children}</>;
}
