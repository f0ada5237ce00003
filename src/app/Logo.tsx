// The Jingjie mark: a subject lifted off a checkerboard. Same drawing as the PWA icons (scripts/icons.mjs).
export function Logo() {
  return (
    <svg className="logo" viewBox="0 0 32 32" aria-hidden="true">
      <rect width="32" height="32" rx="8" fill="#0f766e" />
      <path
        d="M4 12h4v4h-4ZM12 12h4v4h-4ZM20 12h4v4h-4ZM8 16h4v4h-4ZM16 16h4v4h-4ZM24 16h4v4h-4ZM4 20h4v4h-4ZM12 20h4v4h-4ZM20 20h4v4h-4ZM8 24h4v4h-4ZM16 24h4v4h-4ZM24 24h4v4h-4Z"
        fill="#5eead4"
        opacity=".45"
      />
      <circle cx="16" cy="12" r="5" fill="#fff" />
      <path d="M13.5 19h5c1.2 0 5.5 3 6 8h-17c.5-5 4.8-8 6-8Z" fill="#fff" />
    </svg>
  );
}
