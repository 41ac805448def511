/**
 * Gene–disease correlation: each participant submits a genotype (the count of minor
 * alleles at one locus: 0, 1 or 2) and a disease status, both secret. The contract keeps secret sums; at
 * the end it reveals only the statistics: the Pearson correlation's numerator and variance terms,
 *
 *   r = covariance / sqrt(varianceGenotype × varianceDisease)  with
 *   covariance = n ΣGD − ΣG ΣD,  varianceGenotype = n ΣG² − (ΣG)²,  varianceDisease = n ΣD − (ΣD)²
 *
 * and the 2×2 allele table of the allelic association (chi-square) test: minor and major alleles among
 * cases and controls. No participant's genotype or status is visible to anyone.
 */
import { contract, fn, reveal, secret, select, state } from '@mosaic/lang';

const s = state({
  n: secret.int32,
  sumG: secret.int32,
  sumG2: secret.int32,
  sumD: secret.int32,
  sumGD: secret.int32,
});

export default contract('GeneCorrelation', {
  state: s,
  functions: {
    submit: fn({ genotype: secret.int8, diseased: secret.bool }, ({ genotype, diseased }) => {
      // an invalid genotype (outside 0..2) is ignored, without anyone learning that it was
      const valid = genotype.ge(0).and(genotype.le(2));
      const g = select(valid, genotype, 0n);
      const d = diseased.and(valid).toInt();
      s.n = s.n.add(valid.toInt());
      s.sumG = s.sumG.add(g);
      s.sumG2 = s.sumG2.add(g.mul(g));
      s.sumD = s.sumD.add(d);
      s.sumGD = s.sumGD.add(select(diseased.and(valid), g, 0n));
      return undefined;
    }),
    statistics: fn({}, () => {
      const { n, sumG, sumG2, sumD, sumGD } = s;
      // five independent products: one batched multiplication
      const covariance = n.mul(sumGD).sub(sumG.mul(sumD));
      const varianceGenotype = n.mul(sumG2).sub(sumG.mul(sumG));
      const varianceDisease = n.mul(sumD).sub(sumD.mul(sumD));
      const caseMinor = sumGD;
      const caseMajor = sumD.mul(2).sub(sumGD);
      const controlMinor = sumG.sub(sumGD);
      const controlMajor = n.sub(sumD).mul(2).sub(controlMinor);
      return {
        participants: reveal(n),
        covariance: reveal(covariance),
        varianceGenotype: reveal(varianceGenotype),
        varianceDisease: reveal(varianceDisease),
        caseMinor: reveal(caseMinor),
        caseMajor: reveal(caseMajor),
        controlMinor: reveal(controlMinor),
        controlMajor: reveal(controlMajor),
      };
    }),
  },
});
