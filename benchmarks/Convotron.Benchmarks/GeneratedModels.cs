using System;
using Convotron;

namespace Convotron.Benchmarks;

/// <summary>The [ConvNet] / [ConvNet2D] classes of the benchmark geometries.</summary>
public static class GeneratedModels
{
    public static Func<IConvNet>? Create(string name) => name switch
    {
        "1d-160-16-9" => static () => new Net160s9(),
        "1d-160-16-16" => static () => new Net160s16(),
        "1d-4096-64-33" => static () => new Net4096s33(),
        "2d-28-4-3" => static () => new Digits4x4s3(),
        "2d-28-5-2" => static () => new Digits5x5s2(),
        _ => null,
    };
}

[ConvNet(r: 16, s: 9, d: 160)]
public sealed partial class Net160s9;

[ConvNet(r: 16, s: 16, d: 160)]
public sealed partial class Net160s16;

[ConvNet(r: 64, s: 33, d: 4096)]
public sealed partial class Net4096s33;

[ConvNet2D(rh: 4, rw: 4, sh: 3, sw: 3, height: 28, width: 28)]
public sealed partial class Digits4x4s3;

[ConvNet2D(rh: 5, rw: 5, sh: 2, sw: 2, height: 28, width: 28)]
public sealed partial class Digits5x5s2;
