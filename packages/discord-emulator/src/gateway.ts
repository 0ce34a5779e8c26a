import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { WebSocket, WebSocketServer } from 'ws';
import type { GuildStore } from './guild-store.ts';
import type { ViolationSink } from './types.ts';

const Op = {
  Dispatch: 0,
  Heartbeat: 1,
  Identify: 2,
  PresenceUpdate: 3,
  VoiceStateUpdate: 4,
  Resume: 6,
  Reconnect: 7,
  RequestGuildMembers: 8,
  InvalidSession: 9,
  Hello: 10,
  HeartbeatAck: 11,
  RequestSoundboardSounds: 31,
} as const;

/** Gateway intents an event needs; INTERACTION_CREATE needs none. */
export const Intents = { Guilds: 1 << 0 } as const;

/** Discord's own value; discord.js jitters its first beat within it, so tests rarely see a heartbeat at all. */
const HEARTBEAT_INTERVAL = 41_250;
/** Dispatches kept per session for RESUME replays. */
const REPLAY_LOG_MAX = 1_000;

interface Dispatch {
  op: 0;
  t: string;
  s: number;
  d: unknown;
}

interface Session {
  id: string;
  intents: number;
  seq: number;
  log: Dispatch[];
  socket: WebSocket | null;
}

export type Gateway = ReturnType<typeof createGateway>;

export type ReconnectMode = 'reconnect' | 'invalid-session' | 'drop';

/**
 * Gateway v10 over `ws`, sharing the HTTP server's port through its `upgrade` event. Sessions outlive their socket
 * so a client that lost the connection can RESUME and get the dispatches it missed, as on Discord.
 */
export function createGateway(deps: {
  botToken: string;
  botUserId: string;
  applicationId: string;
  guild: GuildStore;
  wsUrl: () => string;
  violation: ViolationSink;
}) {
  const wss = new WebSocketServer({ noServer: true });
  const sessions = new Map<string, Session>();
  const stats = { identifies: 0, resumes: 0 };

  const send = (socket: WebSocket, payload: { op: number; d: unknown; s?: number | null; t?: string | null }) => {
    if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ s: null, t: null, ...payload }));
  };

  function dispatchTo(session: Session, t: string, d: unknown): void {
    session.seq += 1;
    const payload: Dispatch = { op: Op.Dispatch, t, s: session.seq, d };
    session.log.push(payload);
    if (session.log.length > REPLAY_LOG_MAX) session.log.shift();
    // While the client is away the dispatch waits in the log for its RESUME.
    if (session.socket) send(session.socket, payload);
  }

  /** Sends an event to every live session whose intents cover it. */
  function dispatch(t: string, d: unknown, intent = 0): number {
    let delivered = 0;
    for (const session of sessions.values()) {
      if (intent && (session.intents & intent) === 0) continue;
      dispatchTo(session, t, d);
      delivered += 1;
    }
    return delivered;
  }

  function checkToken(raw: unknown): boolean {
    return typeof raw === 'string' && raw.replace(/^Bot\s+/i, '') === deps.botToken;
  }

  function onConnection(socket: WebSocket, request: IncomingMessage): void {
    const params = new URL(request.url ?? '/', 'ws://localhost').searchParams;
    if (params.get('v') !== '10' || (params.get('encoding') ?? 'json') !== 'json') {
      deps.violation(`gateway: connected with v=${params.get('v')} encoding=${params.get('encoding')}; expected v=10 json`);
      socket.close(4012, 'Invalid API version');
      return;
    }
    // compress=zlib-stream is ignored: frames stay uncompressed text, which discord.js also accepts.
    let session: Session | null = null;
    send(socket, { op: Op.Hello, d: { heartbeat_interval: HEARTBEAT_INTERVAL, _trace: ['["backstop-emulator",{"micros":0}]'] } });

    socket.on('message', (raw) => {
      let payload: { op?: unknown; d?: any };
      try {
        payload = JSON.parse(raw.toString());
      } catch {
        deps.violation('gateway: sent a frame that is not JSON');
        socket.close(4002, 'Decode error');
        return;
      }
      switch (payload.op) {
        case Op.Heartbeat:
          send(socket, { op: Op.HeartbeatAck, d: null });
          return;
        case Op.Identify:
          if (session) {
            deps.violation('gateway: IDENTIFY sent twice on one connection');
            socket.close(4005, 'Already authenticated');
            return;
          }
          if (!checkToken(payload.d?.token)) {
            deps.violation('gateway: IDENTIFY with a wrong token');
            socket.close(4004, 'Authentication failed');
            return;
          }
          session = identify(socket, payload.d);
          return;
        case Op.Resume: {
          if (session) {
            socket.close(4005, 'Already authenticated');
            return;
          }
          session = resume(socket, payload.d);
          return;
        }
        case Op.RequestGuildMembers:
          if (session) answerMemberRequest(session, payload.d);
          return;
        case Op.PresenceUpdate:
        case Op.VoiceStateUpdate:
        case Op.RequestSoundboardSounds:
          return;
        default:
          deps.violation(`gateway: unknown opcode ${String(payload.op)}`);
          socket.close(4001, 'Unknown opcode');
      }
    });

    socket.on('close', (code) => {
      const current = session;
      if (!current || current.socket !== socket) return;
      current.socket = null;
      // A clean close (1000/1001) ends the session on Discord; any other code (discord.js uses 4200 when it means to
      // resume) keeps it for a RESUME.
      if (code === 1000 || code === 1001) sessions.delete(current.id);
    });
  }

  function identify(socket: WebSocket, d: any): Session {
    stats.identifies += 1;
    const session: Session = {
      id: randomBytes(16).toString('hex'),
      intents: typeof d?.intents === 'number' ? d.intents : 0,
      seq: 0,
      log: [],
      socket,
    };
    sessions.set(session.id, session);
    dispatchTo(session, 'READY', {
      v: 10,
      user: { ...deps.guild.apiUser(deps.botUserId), verified: true, mfa_enabled: false, email: null },
      guilds: [{ id: deps.guild.guildId, unavailable: true }],
      session_id: session.id,
      session_type: 'normal',
      resume_gateway_url: deps.wsUrl(),
      shard: Array.isArray(d?.shard) ? d.shard : [0, 1],
      application: { id: deps.applicationId, flags: 0 },
      private_channels: [],
      relationships: [],
      presences: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: [],
      user_settings: {},
      auth: {},
      _trace: ['["backstop-emulator",{"micros":0}]'],
    });
    // Guilds arrive after READY as GUILD_CREATE; discord.js becomes ready once every READY guild has arrived.
    dispatchTo(session, 'GUILD_CREATE', deps.guild.guildCreatePayload());
    return session;
  }

  function resume(socket: WebSocket, d: any): Session | null {
    const session = typeof d?.session_id === 'string' ? sessions.get(d.session_id) : undefined;
    if (!session || !checkToken(d?.token) || typeof d?.seq !== 'number') {
      // Discord answers a RESUME it cannot honour with INVALID_SESSION d:false: identify afresh.
      send(socket, { op: Op.InvalidSession, d: false });
      return null;
    }
    stats.resumes += 1;
    if (session.socket && session.socket !== socket) session.socket.close(4000, 'Session resumed elsewhere');
    session.socket = socket;
    for (const missed of session.log) if (missed.s > d.seq) send(socket, missed);
    dispatchTo(session, 'RESUMED', { _trace: ['["backstop-emulator",{"micros":0}]'] });
    return session;
  }

  function answerMemberRequest(session: Session, d: any): void {
    const wanted: string[] | undefined = Array.isArray(d?.user_ids) ? d.user_ids : typeof d?.user_ids === 'string' ? [d.user_ids] : undefined;
    const query = typeof d?.query === 'string' ? d.query.toLowerCase() : '';
    const ids = deps.guild
      .memberIds()
      .filter((id) => (wanted ? wanted.includes(id) : (deps.guild.userName(id) ?? '').toLowerCase().startsWith(query)));
    const limited = d?.limit ? ids.slice(0, d.limit) : ids;
    dispatchTo(session, 'GUILD_MEMBERS_CHUNK', {
      guild_id: deps.guild.guildId,
      members: limited.map((id) => deps.guild.apiMember(id)),
      chunk_index: 0,
      chunk_count: 1,
      not_found: wanted ? wanted.filter((id) => !ids.includes(id)) : [],
      ...(d?.nonce !== undefined ? { nonce: d.nonce } : {}),
    });
  }

  wss.on('connection', onConnection);

  return {
    stats,
    dispatch,
    handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
      wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
    },
    reconnect(mode: ReconnectMode): void {
      for (const session of sessions.values()) {
        const socket = session.socket;
        if (!socket) continue;
        if (mode === 'reconnect') {
          send(socket, { op: Op.Reconnect, d: null });
        } else if (mode === 'invalid-session') {
          // The session is gone at once: a RESUME attempt must fail and the client must identify again.
          sessions.delete(session.id);
          session.socket = null;
          send(socket, { op: Op.InvalidSession, d: false });
        } else {
          session.socket = null;
          socket.close(4000, 'Unknown error');
        }
      }
    },
    async close(): Promise<void> {
      for (const client of wss.clients) client.terminate();
      sessions.clear();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
