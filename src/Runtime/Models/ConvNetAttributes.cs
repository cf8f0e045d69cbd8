using System;
using System.Diagnostics;

namespace Convotron;

/// <summary>
/// Compiles a strided 1D geometry into a specialised <see cref="IConvNet"/>: put it on a
/// <c>partial class</c> and the Convotron source generator emits an unrolled, allocation-free
/// implementation of every kernel for exactly this geometry.
/// </summary>
/// <param name="r">Filter size, in [1, d].</param>
/// <param name="s">Stride, at least 1.</param>
/// <param name="d">Input size, at least 1.</param>
/// <param name="alpha">Activation slope for z &lt; 0, in [0, 1]; 0 is ReLU.</param>
/// <param name="channels">
/// Number of channels, at least 1: the input is channels signals of length d stored channel-major
/// (index c·d + t) and the filter spans every channel (index c·r + i), as
/// <see cref="PatchGeometry.Strided1D(int, int, int, int)"/>.
/// </param>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
[Conditional("CONVOTRON_KEEP_ATTRIBUTES")]
public sealed class ConvNetAttribute(int r, int s, int d, double alpha = 0.0, int channels = 1) : Attribute
{
    /// <summary>Filter size r.</summary>
    public int R { get; } = r;

    /// <summary>Stride s.</summary>
    public int S { get; } = s;

    /// <summary>Input size d.</summary>
    public int D { get; } = d;

    /// <summary>Activation slope α.</summary>
    public double Alpha { get; } = alpha;

    /// <summary>Number of channels (1 unless given).</summary>
    public int Channels { get; } = channels;
}

/// <summary>
/// Compiles a strided 2D geometry (a row-major height × width image, an rh × rw filter,
/// strides sh and sw) into a specialised <see cref="IConvNet"/>.
/// </summary>
/// <param name="rh">Filter height, in [1, height].</param>
/// <param name="rw">Filter width, in [1, width].</param>
/// <param name="sh">Vertical stride, at least 1.</param>
/// <param name="sw">Horizontal stride, at least 1.</param>
/// <param name="height">Image height, at least 1.</param>
/// <param name="width">Image width, at least 1.</param>
/// <param name="alpha">Activation slope for z &lt; 0, in [0, 1]; 0 is ReLU.</param>
/// <param name="channels">
/// Number of channels, at least 1: the input is channels height × width planes stored
/// channel-major (index c·height·width + row·width + col, as NCHW) and the filter spans every
/// channel (index c·rh·rw + i·rw + j), as
/// <see cref="PatchGeometry.Strided2D(int, int, int, int, int, int, int)"/>.
/// </param>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
[Conditional("CONVOTRON_KEEP_ATTRIBUTES")]
public sealed class ConvNet2DAttribute(int rh, int rw, int sh, int sw, int height, int width, double alpha = 0.0, int channels = 1) : Attribute
{
    /// <summary>Filter height rh.</summary>
    public int RH { get; } = rh;

    /// <summary>Filter width rw.</summary>
    public int RW { get; } = rw;

    /// <summary>Vertical stride sh.</summary>
    public int SH { get; } = sh;

    /// <summary>Horizontal stride sw.</summary>
    public int SW { get; } = sw;

    /// <summary>Image height.</summary>
    public int Height { get; } = height;

    /// <summary>Image width.</summary>
    public int Width { get; } = width;

    /// <summary>Activation slope α.</summary>
    public double Alpha { get; } = alpha;

    /// <summary>Number of channels (1 unless given).</summary>
    public int Channels { get; } = channels;
}
