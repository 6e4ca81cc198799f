/**
 * moto_server with the strict front (./aws-strict-front.ts) before it: what every AWS test and
 * `npm run bench:aws` talk to. The returned Moto's endpoint and env point at the front, so a
 * client built from them meets AWS's rules; `direct` is moto itself, for the few checks that
 * must look past the front (and for the front's own reads).
 */
import { startMoto, type Moto } from '../bench/moto.js';
import { startStrictFront, type StrictFront, type StrictFrontOptions } from './aws-strict-front.js';

export interface StrictMoto extends Moto {
  front: StrictFront;
  /** moto_server itself, without the front */
  direct: Moto;
}

export async function startStrictMoto(options: Omit<StrictFrontOptions, 'upstream' | 'admin'> = {}): Promise<StrictMoto> {
  const direct = await startMoto();
  let front: StrictFront;
  try {
    front = await startStrictFront({
      ...options,
      upstream: direct.endpoint,
      admin: {
        region: direct.region,
        credentials: { accessKeyId: direct.env.AWS_ACCESS_KEY_ID!, secretAccessKey: direct.env.AWS_SECRET_ACCESS_KEY! },
      },
    });
  } catch (error) {
    await direct.stop();
    throw error;
  }
  return {
    endpoint: front.endpoint,
    region: direct.region,
    env: { ...direct.env, AWS_ENDPOINT_URL: front.endpoint },
    front,
    direct,
    stop: async () => {
      await front.stop();
      await direct.stop();
    },
  };
}
