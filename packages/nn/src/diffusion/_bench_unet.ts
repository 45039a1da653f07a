import { normal, randomKey, tidy, valueAndGrad, sum, mul, type Tensor, memory } from "@diva/tensor";
import { initUNet, unetForward, type UNet2DConditionConfig } from "./index.js";
const config: UNet2DConditionConfig = {
  block_out_channels: [32, 64], layers_per_block: 1,
  down_block_types: ["CrossAttnDownBlock2D", "DownBlock2D"],
  up_block_types: ["UpBlock2D", "CrossAttnUpBlock2D"],
  attention_head_dim: [2, 4], cross_attention_dim: 64, use_linear_projection: true, norm_num_groups: 32,
};
const params = initUNet(randomKey(0), config);
const x = normal(randomKey(1), [4, 4, 16, 16]);
const ctx = normal(randomKey(2), [4, 17, 64]);
for (let i = 0; i < 3; i++) {
  const t0 = performance.now();
  tidy(() => { const [, g] = valueAndGrad((c: Tensor) => sum(mul(unetForward(params, x, 500, c, config), 0.001)))(ctx); g.dataSync(); });
  console.log(`fwd+bwd ${(performance.now() - t0).toFixed(0)} ms, live ${JSON.stringify(memory())}, heap ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)}MB rss ${(process.memoryUsage().rss / 1e6).toFixed(0)}MB`);
}
