"""PyTorch side of the DIVA-step benchmark (benchmarks/diva-step/run.ts).

The same step as ours, written from scratch with plain torch.nn modules (no diffusers/open_clip), with the
reference modules' parameter names so that the TypeScript side can compare name -> shape maps:

- CLIP vision: open_clip's VisionTransformer (conv1 patch embedding, class token, positions, ln_pre,
  ResidualAttentionBlocks with nn.MultiheadAttention's fused in_proj and a c_fc/QuickGELU/c_proj MLP, ln_post,
  proj), all tokens projected;
- the condition: an nn.Linear(256, 256) over all 65 tokens plus the mean of a constant text embedding;
- AutoencoderKL's encoder + quant_conv (DownEncoderBlock2D of ResnetBlock2D, asymmetric-padding Downsample2D,
  UNetMidBlock2D with one single-head spatial Attention), posterior mean x scaling factor;
- UNet2DConditionModel (Timesteps + TimestepEmbedding, ResnetBlock2D with the time embedding,
  Transformer2DModel with linear proj_in/proj_out, BasicTransformerBlock with self-attention, cross-attention
  and a GEGLU feed-forward, Downsample2D/Upsample2D convs, UNetMidBlock2DCrossAttn).

One step: VAE encode (no grad), one noise draw and a uniform timestep per image, add_noise, CLIP forward,
condition, UNet forward (frozen: requires_grad False, so backward computes input gradients only), MSE to the
noise, backward, clip_grad_norm_(1.0), SGD momentum 0.9 over CLIP vision + projection.

Usage: python3 torch_step.py [--spec JSON] [--steps 10] [--warmup 2] [--threads N]
The configuration JSON comes from the TypeScript side (config.ts torchSpec); without it, the reference
configuration below. The last line of stdout is one JSON object with the timings and the parameter shapes.
"""
import argparse
import ctypes
import ctypes.util
import json
import math
import os
import sys
import time
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F

DEFAULT_SPEC = {
    "batch": 8,
    "image_size": 64,
    "text_tokens": 77,
    "clip": {"patch": 8, "width": 256, "layers": 6, "heads": 8, "mlp_ratio": 4, "output_dim": 256, "quick_gelu": True},
    "condition_dim": 256,
    "vae": {"block_out_channels": [32, 64, 128], "layers_per_block": 1, "latent_channels": 4, "groups": 32, "scaling_factor": 0.18215},
    "unet": {
        "in_channels": 4,
        "out_channels": 4,
        "block_out_channels": [64, 128, 256],
        "layers_per_block": 1,
        "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
        "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
        "heads": [2, 4, 8],
        "cross_attention_dim": 256,
        "groups": 32,
        "norm_eps": 1e-5,
    },
    "scheduler": {"num_train_timesteps": 1000, "beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear"},
    "recipe": {"lr": 1e-4, "momentum": 0.9, "clipNorm": 1.0, "draws": 1, "warmupSteps": 0, "totalSteps": 1000},
}

# Multiply-accumulates of the forward pass, counted by the modules as they run (a check of the FLOP estimate).
MACS = {"on": False, "total": 0}


def count(n):
    if MACS["on"]:
        MACS["total"] += int(n)


def linear(x, layer):
    count(x.numel() // x.shape[-1] * layer.in_features * layer.out_features)
    return layer(x)


def conv(x, layer, pad=None):
    if pad is not None:
        x = F.pad(x, pad)
    y = layer(x)
    kh, kw = layer.kernel_size
    count(y.numel() * layer.in_channels // layer.groups * kh * kw)
    return y


def attention(q, k, v, heads):
    """softmax(q k^T / sqrt(d)) v over [B, L, H*D] x [B, S, H*D] (heads folded into the batch, as diffusers' AttnProcessor)."""
    b, l, e = q.shape
    s = k.shape[1]
    d = e // heads
    q = q.reshape(b, l, heads, d).permute(0, 2, 1, 3).reshape(b * heads, l, d)
    k = k.reshape(b, s, heads, d).permute(0, 2, 1, 3).reshape(b * heads, s, d)
    v = v.reshape(b, s, heads, d).permute(0, 2, 1, 3).reshape(b * heads, s, d)
    count(2 * b * heads * l * s * d)
    w = torch.baddbmm(torch.empty(b * heads, l, s, dtype=q.dtype), q, k.transpose(1, 2), beta=0, alpha=d ** -0.5).softmax(-1)
    o = torch.bmm(w, v)
    return o.reshape(b, heads, l, d).permute(0, 2, 1, 3).reshape(b, l, e)


# ---------------------------------------------------------------------------------------------- CLIP vision


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class ResidualAttentionBlock(nn.Module):
    """open_clip ResidualAttentionBlock: x + attn(ln_1(x)); x + mlp(ln_2(x)); fused in_proj MultiheadAttention."""

    def __init__(self, width, heads, mlp_width, quick_gelu):
        super().__init__()
        self.ln_1 = nn.LayerNorm(width)
        self.attn = nn.MultiheadAttention(width, heads, batch_first=True)
        self.ln_2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(OrderedDict([
            ("c_fc", nn.Linear(width, mlp_width)),
            ("gelu", QuickGELU() if quick_gelu else nn.GELU()),
            ("c_proj", nn.Linear(mlp_width, width)),
        ]))
        self.heads = heads

    def forward(self, x):
        b, t, w = x.shape
        count(b * t * w * 4 * w + 2 * b * t * t * w)  # in_proj (3), out_proj (1), scores and values
        h = self.ln_1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        h = self.ln_2(x)
        h = linear(h, self.mlp.c_fc)
        h = self.mlp.gelu(h)
        return x + linear(h, self.mlp.c_proj)


class Transformer(nn.Module):
    def __init__(self, width, layers, heads, mlp_width, quick_gelu):
        super().__init__()
        self.resblocks = nn.ModuleList([ResidualAttentionBlock(width, heads, mlp_width, quick_gelu) for _ in range(layers)])

    def forward(self, x):
        for blk in self.resblocks:
            x = blk(x)
        return x


class VisionTransformer(nn.Module):
    """open_clip VisionTransformer returning every token after ln_post, projected (what DIVA conditions on)."""

    def __init__(self, c, image_size):
        super().__init__()
        w, p = c["width"], c["patch"]
        grid = image_size // p
        scale = w ** -0.5
        self.class_embedding = nn.Parameter(scale * torch.randn(w))
        self.positional_embedding = nn.Parameter(scale * torch.randn(grid * grid + 1, w))
        self.proj = nn.Parameter(scale * torch.randn(w, c["output_dim"]))
        self.conv1 = nn.Conv2d(3, w, kernel_size=p, stride=p, bias=False)
        self.ln_pre = nn.LayerNorm(w)
        self.transformer = Transformer(w, c["layers"], c["heads"], int(w * c["mlp_ratio"]), c["quick_gelu"])
        self.ln_post = nn.LayerNorm(w)

    def forward(self, x):
        x = conv(x, self.conv1)  # [B, w, g, g]
        x = x.reshape(x.shape[0], x.shape[1], -1).permute(0, 2, 1)
        cls = self.class_embedding.to(x.dtype).reshape(1, 1, -1).expand(x.shape[0], 1, -1)
        x = torch.cat([cls, x], dim=1) + self.positional_embedding
        x = self.ln_pre(x)
        x = self.transformer(x)
        x = self.ln_post(x)
        count(x.numel() * self.proj.shape[1])
        return x @ self.proj


# ------------------------------------------------------------------------------------------ diffusion blocks


class ResnetBlock2D(nn.Module):
    """diffusers ResnetBlock2D (time_embedding_norm "default", output_scale_factor 1, dropout 0)."""

    def __init__(self, cin, cout, temb, groups, eps):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, cin, eps=eps)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        if temb is not None:
            self.time_emb_proj = nn.Linear(temb, cout)
        self.norm2 = nn.GroupNorm(groups, cout, eps=eps)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        if cin != cout:
            self.conv_shortcut = nn.Conv2d(cin, cout, 1)
        self.has_temb = temb is not None
        self.shortcut = cin != cout

    def forward(self, x, temb=None):
        h = conv(F.silu(self.norm1(x)), self.conv1)
        if self.has_temb and temb is not None:
            h = h + linear(F.silu(temb), self.time_emb_proj)[:, :, None, None]
        h = conv(F.silu(self.norm2(h)), self.conv2)
        return (conv(x, self.conv_shortcut) if self.shortcut else x) + h


class Attention(nn.Module):
    """diffusers Attention: to_q/to_k/to_v, to_out = [Linear, Dropout]; optional group_norm + residual (VAE)."""

    def __init__(self, query_dim, context_dim, heads, dim_head, bias, group_norm=None):
        super().__init__()
        inner = heads * dim_head
        if group_norm is not None:
            self.group_norm = nn.GroupNorm(group_norm[0], query_dim, eps=group_norm[1])
        self.to_q = nn.Linear(query_dim, inner, bias=bias)
        self.to_k = nn.Linear(context_dim, inner, bias=bias)
        self.to_v = nn.Linear(context_dim, inner, bias=bias)
        self.to_out = nn.ModuleList([nn.Linear(inner, query_dim), nn.Dropout(0.0)])
        self.heads = heads

    def forward(self, x, context=None):
        ctx = x if context is None else context
        o = attention(linear(x, self.to_q), linear(ctx, self.to_k), linear(ctx, self.to_v), self.heads)
        return linear(o, self.to_out[0])

    def spatial(self, x):
        """The VAE's residual self-attention over the H*W positions."""
        b, c, h, w = x.shape
        t = self.group_norm(x).reshape(b, c, h * w).transpose(1, 2)
        return self(t).transpose(1, 2).reshape(b, c, h, w) + x


class GEGLU(nn.Module):
    def __init__(self, dim, out):
        super().__init__()
        self.proj = nn.Linear(dim, out * 2)

    def forward(self, x):
        hidden, gate = linear(x, self.proj).chunk(2, dim=-1)
        return hidden * F.gelu(gate)


class FeedForward(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.net = nn.ModuleList([GEGLU(dim, 4 * dim), nn.Dropout(0.0), nn.Linear(4 * dim, dim)])

    def forward(self, x):
        return linear(self.net[0](x), self.net[2])


class BasicTransformerBlock(nn.Module):
    def __init__(self, dim, heads, dim_head, cross_dim):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn1 = Attention(dim, dim, heads, dim_head, bias=False)
        self.norm2 = nn.LayerNorm(dim)
        self.attn2 = Attention(dim, cross_dim, heads, dim_head, bias=False)
        self.norm3 = nn.LayerNorm(dim)
        self.ff = FeedForward(dim)

    def forward(self, x, context):
        x = self.attn1(self.norm1(x)) + x
        x = self.attn2(self.norm2(x), context) + x
        return self.ff(self.norm3(x)) + x


class Transformer2DModel(nn.Module):
    """diffusers Transformer2DModel, continuous input with use_linear_projection (SD 2.x), one block."""

    def __init__(self, channels, heads, cross_dim, groups):
        super().__init__()
        dim_head = channels // heads
        inner = heads * dim_head
        self.norm = nn.GroupNorm(groups, channels, eps=1e-6)
        self.proj_in = nn.Linear(channels, inner)
        self.transformer_blocks = nn.ModuleList([BasicTransformerBlock(inner, heads, dim_head, cross_dim)])
        self.proj_out = nn.Linear(inner, channels)

    def forward(self, x, context):
        b, c, h, w = x.shape
        t = self.norm(x).permute(0, 2, 3, 1).reshape(b, h * w, c)
        t = linear(t, self.proj_in)
        for blk in self.transformer_blocks:
            t = blk(t, context)
        t = linear(t, self.proj_out)
        return t.reshape(b, h, w, c).permute(0, 3, 1, 2).contiguous() + x


class Downsample2D(nn.Module):
    """3x3 stride-2 conv; padding 0 means the LDM asymmetric (0, 1, 0, 1) zero padding first (the VAE)."""

    def __init__(self, channels, padding):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, stride=2, padding=padding)
        self.padding = padding

    def forward(self, x):
        return conv(x, self.conv, pad=(0, 1, 0, 1) if self.padding == 0 else None)


class Upsample2D(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x):
        return conv(F.interpolate(x, scale_factor=2.0, mode="nearest"), self.conv)


# ---------------------------------------------------------------------------------------------- AutoencoderKL


class DownEncoderBlock2D(nn.Module):
    def __init__(self, cin, cout, layers, groups, add_downsample):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D(cin if j == 0 else cout, cout, None, groups, 1e-6) for j in range(layers)])
        if add_downsample:
            self.downsamplers = nn.ModuleList([Downsample2D(cout, padding=0)])
        self.add_downsample = add_downsample

    def forward(self, x):
        for r in self.resnets:
            x = r(x)
        return self.downsamplers[0](x) if self.add_downsample else x


class UNetMidBlock2D(nn.Module):
    """The VAE's mid block: resnet, single-head spatial attention (group_norm, residual), resnet."""

    def __init__(self, channels, groups):
        super().__init__()
        self.attentions = nn.ModuleList([Attention(channels, channels, 1, channels, bias=True, group_norm=(groups, 1e-6))])
        self.resnets = nn.ModuleList([ResnetBlock2D(channels, channels, None, groups, 1e-6) for _ in range(2)])

    def forward(self, x):
        x = self.resnets[0](x)
        x = self.attentions[0].spatial(x)
        return self.resnets[1](x)


class Encoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        boc, g = c["block_out_channels"], c["groups"]
        self.conv_in = nn.Conv2d(3, boc[0], 3, padding=1)
        self.down_blocks = nn.ModuleList()
        cout = boc[0]
        for i, ch in enumerate(boc):
            cin, cout = cout, ch
            self.down_blocks.append(DownEncoderBlock2D(cin, cout, c["layers_per_block"], g, i < len(boc) - 1))
        self.mid_block = UNetMidBlock2D(boc[-1], g)
        self.conv_norm_out = nn.GroupNorm(g, boc[-1], eps=1e-6)
        self.conv_out = nn.Conv2d(boc[-1], 2 * c["latent_channels"], 3, padding=1)

    def forward(self, x):
        x = conv(x, self.conv_in)
        for blk in self.down_blocks:
            x = blk(x)
        x = self.mid_block(x)
        return conv(F.silu(self.conv_norm_out(x)), self.conv_out)


class VAEEncoder(nn.Module):
    """AutoencoderKL.encode up to the posterior mean (the decoder is not part of the step)."""

    def __init__(self, c):
        super().__init__()
        self.encoder = Encoder(c)
        self.quant_conv = nn.Conv2d(2 * c["latent_channels"], 2 * c["latent_channels"], 1)
        self.latent = c["latent_channels"]

    def forward(self, x):
        moments = conv(self.encoder(x), self.quant_conv)
        return moments[:, : self.latent]


# -------------------------------------------------------------------------------------- UNet2DConditionModel


def timestep_embedding(t, dim, flip_sin_to_cos=True, shift=0.0, max_period=10000):
    half = dim // 2
    exponent = -math.log(max_period) * torch.arange(0, half, dtype=torch.float32) / (half - shift)
    emb = t[:, None].float() * torch.exp(exponent)[None, :]
    emb = torch.cat([torch.sin(emb), torch.cos(emb)], dim=-1)
    if flip_sin_to_cos:
        emb = torch.cat([emb[:, half:], emb[:, :half]], dim=-1)
    return emb


class TimestepEmbedding(nn.Module):
    def __init__(self, cin, dim):
        super().__init__()
        self.linear_1 = nn.Linear(cin, dim)
        self.linear_2 = nn.Linear(dim, dim)

    def forward(self, x):
        return linear(F.silu(linear(x, self.linear_1)), self.linear_2)


class DownBlock(nn.Module):
    """CrossAttnDownBlock2D (with attentions) or DownBlock2D; Downsample2D with padding 1 unless last."""

    def __init__(self, cin, cout, layers, temb, cross, heads, cross_dim, groups, eps, add_downsample):
        super().__init__()
        if cross:
            self.attentions = nn.ModuleList([Transformer2DModel(cout, heads, cross_dim, groups) for _ in range(layers)])
        self.resnets = nn.ModuleList([ResnetBlock2D(cin if j == 0 else cout, cout, temb, groups, eps) for j in range(layers)])
        if add_downsample:
            self.downsamplers = nn.ModuleList([Downsample2D(cout, padding=1)])
        self.cross, self.add_downsample = cross, add_downsample

    def forward(self, x, temb, context, skips):
        for j, r in enumerate(self.resnets):
            x = r(x, temb)
            if self.cross:
                x = self.attentions[j](x, context)
            skips.append(x)
        if self.add_downsample:
            x = self.downsamplers[0](x)
            skips.append(x)
        return x


class UpBlock(nn.Module):
    """CrossAttnUpBlock2D or UpBlock2D: layers + 1 resnets over [h, skip]; Upsample2D unless last."""

    def __init__(self, cin, prev, cout, layers, temb, cross, heads, cross_dim, groups, eps, add_upsample):
        super().__init__()
        n = layers + 1
        if cross:
            self.attentions = nn.ModuleList([Transformer2DModel(cout, heads, cross_dim, groups) for _ in range(n)])
        self.resnets = nn.ModuleList([
            ResnetBlock2D((prev if j == 0 else cout) + (cin if j == n - 1 else cout), cout, temb, groups, eps) for j in range(n)
        ])
        if add_upsample:
            self.upsamplers = nn.ModuleList([Upsample2D(cout)])
        self.cross, self.add_upsample = cross, add_upsample

    def forward(self, x, temb, context, skips):
        for j, r in enumerate(self.resnets):
            x = r(torch.cat([x, skips.pop()], dim=1), temb)
            if self.cross:
                x = self.attentions[j](x, context)
        return self.upsamplers[0](x) if self.add_upsample else x


class UNetMidBlock2DCrossAttn(nn.Module):
    def __init__(self, channels, temb, heads, cross_dim, groups, eps):
        super().__init__()
        self.attentions = nn.ModuleList([Transformer2DModel(channels, heads, cross_dim, groups)])
        self.resnets = nn.ModuleList([ResnetBlock2D(channels, channels, temb, groups, eps) for _ in range(2)])

    def forward(self, x, temb, context):
        x = self.resnets[0](x, temb)
        x = self.attentions[0](x, context)
        return self.resnets[1](x, temb)


class UNet2DConditionModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        boc, g, eps = c["block_out_channels"], c["groups"], c["norm_eps"]
        n = len(boc)
        temb = 4 * boc[0]
        heads, layers, cross_dim = c["heads"], c["layers_per_block"], c["cross_attention_dim"]
        self.conv_in = nn.Conv2d(c["in_channels"], boc[0], 3, padding=1)
        self.time_embedding = TimestepEmbedding(boc[0], temb)
        self.down_blocks = nn.ModuleList()
        cout = boc[0]
        for i, kind in enumerate(c["down_block_types"]):
            cin, cout = cout, boc[i]
            self.down_blocks.append(DownBlock(cin, cout, layers, temb, kind == "CrossAttnDownBlock2D", heads[i], cross_dim, g, eps, i < n - 1))
        rboc, rheads = list(reversed(boc)), list(reversed(heads))
        self.up_blocks = nn.ModuleList()
        cout = rboc[0]
        for i, kind in enumerate(c["up_block_types"]):
            prev, cout, cin = cout, rboc[i], rboc[min(i + 1, n - 1)]
            self.up_blocks.append(UpBlock(cin, prev, cout, layers, temb, kind == "CrossAttnUpBlock2D", rheads[i], cross_dim, g, eps, i < n - 1))
        self.mid_block = UNetMidBlock2DCrossAttn(boc[-1], temb, heads[-1], cross_dim, g, eps)
        self.conv_norm_out = nn.GroupNorm(g, boc[0], eps=eps)
        self.conv_out = nn.Conv2d(boc[0], c["out_channels"], 3, padding=1)
        self.time_dim = boc[0]

    def forward(self, sample, timesteps, context):
        temb = self.time_embedding(timestep_embedding(timesteps, self.time_dim))
        x = conv(sample, self.conv_in)
        skips = [x]
        for blk in self.down_blocks:
            x = blk(x, temb, context, skips)
        x = self.mid_block(x, temb, context)
        for blk in self.up_blocks:
            x = blk(x, temb, context, skips)
        return conv(F.silu(self.conv_norm_out(x)), self.conv_out)


# ------------------------------------------------------------------------------------------------- the step


def alphas_cumprod(s):
    n = s["num_train_timesteps"]
    if s.get("beta_schedule", "linear") == "scaled_linear":
        betas = torch.linspace(s["beta_start"] ** 0.5, s["beta_end"] ** 0.5, n, dtype=torch.float32) ** 2
    else:
        betas = torch.linspace(s["beta_start"], s["beta_end"], n, dtype=torch.float32)
    return torch.cumprod(1.0 - betas, dim=0)


def cosine_lr(step, r):
    warm, total = r.get("warmupSteps", 0), r["totalSteps"]
    if warm > 0 and step < warm:
        return r["lr"] * (step + 1) / warm
    progress = min(1.0, max(0.0, (step - warm) / max(1, total - warm)))
    return 0.5 * r["lr"] * (1 + math.cos(math.pi * progress))


def shapes(module):
    return {k: list(v.shape) for k, v in module.state_dict().items()}


def loaded_blas():
    paths = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                parts = line.split()
                path = parts[-1] if len(parts) >= 6 else ""
                if "blas" in os.path.basename(path):
                    paths.add(os.path.realpath(path))
    except OSError:
        pass
    return sorted(paths)


def openblas_core():
    name = ctypes.util.find_library("openblas")
    if not name or not any("openblas" in p for p in loaded_blas()):
        return None
    try:
        lib = ctypes.CDLL(name)
        lib.openblas_get_corename.restype = ctypes.c_char_p
        return lib.openblas_get_corename().decode()
    except (OSError, AttributeError):
        return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--spec", default=None, help="configuration JSON (default: the reference configuration)")
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    spec = json.loads(args.spec) if args.spec else DEFAULT_SPEC
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    B, R = spec["batch"], spec["image_size"]
    clip = VisionTransformer(spec["clip"], R)
    projection = nn.Linear(spec["clip"]["output_dim"], spec["condition_dim"])
    vae = VAEEncoder(spec["vae"]).eval().requires_grad_(False)
    unet = UNet2DConditionModel(spec["unet"]).train().requires_grad_(False)
    text = torch.randn(spec["text_tokens"], spec["condition_dim"])  # the constant SD text embedding (stand-in)
    acp = alphas_cumprod(spec["scheduler"])
    scaling = spec["vae"]["scaling_factor"]
    recipe = spec["recipe"]
    trainable = list(clip.parameters()) + list(projection.parameters())
    opt = torch.optim.SGD(trainable, lr=recipe["lr"], momentum=recipe["momentum"])

    clip_images = torch.randn(B, 3, R, R)
    vae_images = torch.rand(B, 3, R, R) * 2 - 1

    def step(i):
        with torch.no_grad():
            latents = vae(vae_images) * scaling
        noise = torch.randn_like(latents)
        t = torch.randint(0, acp.shape[0], (B,))
        a = acp[t].reshape(B, 1, 1, 1)
        noisy = a.sqrt() * latents + (1 - a).sqrt() * noise
        tokens = clip(clip_images)  # [B, 65, 256]
        cond = linear(tokens, projection) + text.mean(dim=0)
        pred = unet(noisy, t, cond)
        loss = F.mse_loss(pred, noise)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if recipe["clipNorm"] > 0:
            torch.nn.utils.clip_grad_norm_(trainable, recipe["clipNorm"])
        for g in opt.param_groups:
            g["lr"] = cosine_lr(i, recipe)
        opt.step()
        return loss.item()

    # forward multiply-accumulates, counted once (no grad, outside the timed steps)
    macs = {}
    with torch.no_grad():
        for name, fn in (
            ("clip", lambda: linear(clip(clip_images), projection)),
            ("vae", lambda: vae(vae_images)),
            ("unet", lambda: unet(torch.randn(B, spec["vae"]["latent_channels"], R // 4, R // 4), torch.zeros(B, dtype=torch.long), torch.randn(B, 1 + (R // spec["clip"]["patch"]) ** 2, spec["condition_dim"]))),
        ):
            MACS["on"], MACS["total"] = True, 0
            fn()
            MACS["on"] = False
            macs[name] = MACS["total"]

    times, losses = [], []
    for i in range(args.warmup + args.steps):
        t0 = time.perf_counter()
        losses.append(step(i))
        dt = time.perf_counter() - t0
        if i >= args.warmup:
            times.append(dt * 1e3)
        print(f"torch step {i + 1}/{args.warmup + args.steps}: {dt * 1e3:.1f} ms, loss {losses[-1]:.4f}", file=sys.stderr, flush=True)

    out = {
        "torch": torch.__version__,
        "python": sys.version.split()[0],
        "threads": torch.get_num_threads(),
        "interop_threads": torch.get_num_interop_threads(),
        "env": {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "OMP_WAIT_POLICY") if k in os.environ},
        "blas": loaded_blas(),
        "openblas_core": openblas_core(),
        "mkldnn": torch.backends.mkldnn.is_available(),
        "times_ms": times,
        "losses": losses,
        "forward_macs": macs,
        "shapes": {"clip": shapes(clip), "projection": shapes(projection), "vae_encoder": shapes(vae), "unet": shapes(unet)},
    }
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
