using Convotron;

// The geometries of the equivalence table, compiled by the real generator in this build.
namespace Convotron.Generator.Tests.Models;

/// <summary>The paper's setting, s = 9: non-overlapping taps 7..8.</summary>
[ConvNet(r: 16, s: 9, d: 160)]
public partial class Net160x16s9;

[ConvNet(r: 16, s: 12, d: 160, alpha: 0.3)]
public partial class Net160x16s12Leaky;

[ConvNet(r: 16, s: 16, d: 160, alpha: 1.0)]
public partial class Net160x16s16Linear;

/// <summary>s = 1: every tap overlaps, no non-overlapping part.</summary>
[ConvNet(r: 4, s: 1, d: 20, alpha: 0.3)]
public partial class Net20x4s1Leaky;

/// <summary>r = d: one patch, every tap non-overlapping.</summary>
[ConvNet(r: 12, s: 3, d: 12)]
public partial class Net12x12;

/// <summary>s &gt; r: gaps between patches.</summary>
[ConvNet(r: 5, s: 7, d: 50, alpha: 1.0)]
public partial class Net50x5s7Linear;

/// <summary>s does not divide d − r: a tail no patch reads; r = 10 is not a multiple of 4.</summary>
[ConvNet(r: 10, s: 7, d: 100, alpha: 0.3)]
public partial class Net100x10s7Leaky;

/// <summary>Too large to unroll: loops.</summary>
[ConvNet(r: 64, s: 33, d: 4096)]
public partial class Net4096x64s33;

/// <summary>A filter too long to hold inline: heap buffers, looped runs.</summary>
[ConvNet(r: 10001, s: 6000, d: 20001, alpha: 0.3)]
public partial class NetLongFilter;

/// <summary>28×28, 5×5, stride 2: no non-overlapping part.</summary>
[ConvNet2D(rh: 5, rw: 5, sh: 2, sw: 2, height: 28, width: 28)]
public partial class Image28x5s2;

[ConvNet2D(rh: 4, rw: 4, sh: 3, sw: 3, height: 28, width: 28, alpha: 0.3)]
public partial class Image28x4s3Leaky;

/// <summary>Non-square image, filter and strides.</summary>
[ConvNet2D(rh: 3, rw: 5, sh: 2, sw: 4, height: 12, width: 21, alpha: 1.0)]
public partial class Image12x21Linear;

/// <summary>Too large to unroll: loops over (p, q) and the filter rows.</summary>
[ConvNet2D(rh: 8, rw: 8, sh: 6, sw: 6, height: 64, width: 64, alpha: 0.3)]
public partial class Image64x8s6Leaky;

public static partial class Outer
{
    /// <summary>A model nested in a partial class.</summary>
    [ConvNet(r: 3, s: 2, d: 9)]
    internal partial class NestedNet;
}

// ---- Channels: the input and the filter channel-major, each patch the same window in every channel.

/// <summary>The smallest: 2 channels of 5, r = 2, s = 2 (its patches are written out by hand in the tests).</summary>
[ConvNet(r: 2, s: 2, d: 5, channels: 2)]
public partial class Tiny2x5x2;

/// <summary>The paper's setting over 3 channels: non-overlapping taps 7..8 of each channel.</summary>
[ConvNet(r: 16, s: 9, d: 160, channels: 3)]
public partial class Net3x160x16s9;

[ConvNet(r: 5, s: 4, d: 41, alpha: 0.3, channels: 2)]
public partial class Net2x41x5s4Leaky;

/// <summary>Too large to unroll (k·r = 123·128): loops over the channels' runs.</summary>
[ConvNet(r: 64, s: 33, d: 4096, alpha: 0.3, channels: 2)]
public partial class Net2x4096x64s33Leaky;

/// <summary>A 3 × 16 × 16 colour image, 3 × 3 filter, stride 2: one non-overlapping tap per channel.</summary>
[ConvNet2D(rh: 3, rw: 3, sh: 2, sw: 2, height: 16, width: 16, channels: 3)]
public partial class Rgb16x3s2;

[ConvNet2D(rh: 4, rw: 4, sh: 3, sw: 3, height: 13, width: 13, alpha: 0.3, channels: 2)]
public partial class Image2x13x4s3Leaky;

/// <summary>One row of patches over 4 channels (rh = height), non-square, linear.</summary>
[ConvNet2D(rh: 2, rw: 3, sh: 1, sw: 2, height: 2, width: 9, alpha: 1.0, channels: 4)]
public partial class Image4x2x9Linear;

/// <summary>Too large to unroll and no non-overlapping part: loops, in-memory sums.</summary>
[ConvNet2D(rh: 5, rw: 5, sh: 2, sw: 2, height: 28, width: 28, alpha: 0.3, channels: 3)]
public partial class Image3x28x5s2Leaky;
