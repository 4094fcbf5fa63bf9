// One way to turn a contract message into bytes and back, for every transport.

/** The shape every generated protobufjs message class has. */
export interface MessageClass<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(bytes: Uint8Array): T;
  verify(message: Record<string, unknown>): string | null;
}

export interface Codec<T> {
  encode(message: T): Buffer;
  /** Throws a ContractError when the bytes are not a valid message. */
  decode(bytes: Uint8Array): T;
}

export class ContractError extends Error {
  override readonly name = 'ContractError';
}

export function codecFor<T>(cls: MessageClass<T>): Codec<T> {
  return {
    encode(message: T): Buffer {
      const problem = cls.verify(message as unknown as Record<string, unknown>);
      if (problem) throw new ContractError(`invalid message: ${problem}`);
      const bytes = cls.encode(message).finish();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
    decode(bytes: Uint8Array): T {
      try {
        return cls.decode(bytes);
      } catch (err) {
        throw new ContractError(`undecodable message: ${(err as Error).message}`);
      }
    },
  };
}
