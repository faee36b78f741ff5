import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './shell/app';
import './styles.css';

const root = document.getElementById('root');
if (root === null) throw new Error("index.html has no element 'root' to render into");
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
