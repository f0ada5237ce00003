// Placeholder shell until the app issue lands.
export function App() {
  return <main><h1>Jingjie 净界</h1></main>;
}
