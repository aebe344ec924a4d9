import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { getApi } from './api';
import { useStore } from './store';
import './styles.css';

const api = getApi((up) => useStore.setState({ linkUp: up }));
void useStore.getState().init(api);

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
