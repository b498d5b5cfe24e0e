import asyncio, sys
N = int(sys.argv[1]); port = int(sys.argv[2]); hold = float(sys.argv[3])
async def one(i, opened):
    r, w = await asyncio.open_connection('127.0.0.1', port)
    w.write(b'GET /api/state HTTP/1.1\r\nHost: x\r\n\r\n'); await w.drain()
    head = await r.readuntil(b'\r\n\r\n')
    n = 0
    for line in head.split(b'\r\n'):
        if line.lower().startswith(b'content-length:'): n = int(line.split(b':')[1])
    await r.readexactly(n)
    opened.append(w)
async def main():
    opened = []
    for k in range(0, N, 200):
        await asyncio.gather(*(one(i, opened) for i in range(k, min(N, k+200))))
    print('open', len(opened), flush=True)
    await asyncio.sleep(hold)
asyncio.run(main())
