import { Link } from '../router.tsx';

export function NotFoundPage() {
  return (
    <section class="page">
      <h1>Page not found</h1>
      <p>
        There is no dashboard page at this address. <Link href="/accounts">Go to accounts</Link>.
      </p>
    </section>
  );
}
