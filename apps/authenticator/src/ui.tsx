// Pieces every screen of the app shares: the screen frame with its focused heading, notices,
// and the clock that drives countdowns.
import { type ReactNode, useEffect, useRef, useState } from 'react';

export function Screen({
  title,
  children,
  focusHeading = true,
  className,
}: {
  title: string;
  children: ReactNode;
  /** False when the screen puts the focus on its own first field (the request's code). */
  focusHeading?: boolean;
  className?: string;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (focusHeading) heading.current?.focus();
  }, [focusHeading]);
  return (
    <section className={className ? `screen ${className}` : 'screen'} aria-labelledby="screen-title">
      <h1 id="screen-title" ref={heading} tabIndex={-1}>
        {title}
      </h1>
      {children}
    </section>
  );
}

export function Notice({
  kind,
  children,
}: {
  kind: 'info' | 'warning' | 'error' | 'success';
  children: ReactNode;
}) {
  return (
    <div className={`notice notice-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}

export function formatRemaining(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return `${minutes}:${String(seconds).padStart(2, '0')}`;
}

/** The time, every `intervalMs`: the device's clock, or the server's as the device SDK knows it. */
export function useNow(intervalMs: number, clock: () => number = Date.now): number {
  const [now, setNow] = useState(() => clock());
  useEffect(() => {
    const timer = setInterval(() => setNow(clock()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs, clock]);
  return now;
}
