// Last line of defence: a render error shows a way out instead of a blank page.
import { Component, type ReactNode } from 'react';
import { translate, initialLang } from '../i18n';

export class ErrorBoundary extends Component<{ children: ReactNode }, { error?: Error }> {
  override state: { error?: Error } = {};
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  override componentDidCatch(error: Error) {
    console.error('jingjie: the UI crashed', error);
  }
  override render() {
    if (!this.state.error) return this.props.children;
    const lang = initialLang();
    return (
      <main className="crash" role="alert">
        <h1>Jingjie 净界</h1>
        <p>{translate(lang, 'error.unknown')}</p>
        <button type="button" className="btn btn--primary" onClick={() => location.reload()}>
          {translate(lang, 'load.retry')}
        </button>
      </main>
    );
  }
}
