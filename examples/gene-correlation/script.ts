/**
 * Gene–disease correlation on a network: many participants each submit their genotype at one locus (0, 1 or 2
 * minor alleles) and disease status, secretly; statistics() reveals only the aggregate terms, from which the
 * script computes Pearson's r and the allelic chi-square. Run by hand: `node examples/dist/gene-correlation/script.js`.
 */
import { compile } from '@mosaic/lang';
import { mainIf } from '../common/cli.js';
import { type Connection, inParallel, Network } from '../common/connection.js';
import geneCorrelation from './contract.js';

export interface Participant {
  genotype: bigint;
  diseased: boolean;
}

export interface GeneStatistics {
  participants: bigint;
  covariance: bigint;
  varianceGenotype: bigint;
  varianceDisease: bigint;
  caseMinor: bigint;
  caseMajor: bigint;
  controlMinor: bigint;
  controlMajor: bigint;
}

export interface GeneResult {
  contractId: bigint;
  statistics: GeneStatistics;
  /** Pearson's correlation between genotype and disease status. */
  r: number;
  /** The allelic association test's chi-square (1 degree of freedom). */
  chiSquare: number;
}

/** A cohort where carriers of the minor allele are more often cases; one invalid genotype (3) is ignored. */
export const DEFAULT_PARTICIPANTS: Participant[] = [
  [0n, false],
  [0n, false],
  [0n, false],
  [0n, true],
  [1n, false],
  [1n, true],
  [1n, true],
  [1n, false],
  [2n, true],
  [2n, true],
  [2n, false],
  [0n, false],
  [3n, true],
].map(([genotype, diseased]) => ({ genotype: genotype as bigint, diseased: diseased as boolean }));

/** Pearson's r and the allelic chi-square from the revealed terms (public arithmetic, any party can do it). */
export function derived(s: GeneStatistics): { r: number; chiSquare: number } {
  const r = Number(s.covariance) / Math.sqrt(Number(s.varianceGenotype) * Number(s.varianceDisease));
  const table = [
    [Number(s.caseMinor), Number(s.caseMajor)],
    [Number(s.controlMinor), Number(s.controlMajor)],
  ] as const;
  const total = table[0][0] + table[0][1] + table[1][0] + table[1][1];
  let chiSquare = 0;
  for (const i of [0, 1] as const) {
    for (const j of [0, 1] as const) {
      const expected = ((table[i][0] + table[i][1]) * (table[0][j] + table[1][j])) / total;
      chiSquare += (table[i][j] - expected) ** 2 / expected;
    }
  }
  return { r, chiSquare };
}

export async function run(connection: Connection, participants = DEFAULT_PARTICIPANTS): Promise<GeneResult> {
  const network = await Network.open(connection);
  try {
    const compiled = compile(geneCorrelation);
    const client = await network.connect(connection.accountKey);
    const { contractId } = await client.deploy(compiled, network.committee);
    network.log(`deployed GeneCorrelation as secret contract ${contractId}`);
    network.log(`active from epoch ${await network.nextEpoch()}`);

    const users = await network.users(participants.map((_, i) => `participant ${i + 1}`));
    await inParallel(users, 4, async (user, i) => {
      const r = await user.client.contract(compiled, contractId).call.submit(participants[i]!, { autoDeposit: true });
      network.log(`${user.name} submitted a genotype (task ${r.taskId})`);
    });

    const result = await client.contract(compiled, contractId).call.statistics({}, { autoDeposit: true });
    const statistics = result.outputs as GeneStatistics;
    const { r, chiSquare } = derived(statistics);
    network.log(
      `${statistics.participants} valid participants; r = ${r.toFixed(4)}, allelic chi-square = ${chiSquare.toFixed(4)} ` +
        `(alleles: cases ${statistics.caseMinor} minor / ${statistics.caseMajor} major, controls ${statistics.controlMinor} / ${statistics.controlMajor})`,
    );
    return { contractId, statistics, r, chiSquare };
  } finally {
    await network.close();
  }
}

mainIf(import.meta.url, run);
