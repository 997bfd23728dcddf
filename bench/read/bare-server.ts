// The baseline of bench/read: a bare Fastify route answering fixed bytes from memory.
import Fastify from 'fastify';

const body = Buffer.from(process.env.BARE_BODY ?? '{}');
const app = Fastify();
app.get('/v1/accounts/:id', (_request, reply) => {
  void reply.type('application/json; charset=utf-8').send(body);
});
const address = await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
console.log(`listening ${address}`);
