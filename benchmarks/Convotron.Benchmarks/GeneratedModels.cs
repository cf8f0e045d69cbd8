using System;
using Convotron;

namespace Convotron.Benchmarks;

/// <summary>The [ConvNet] / [ConvNet2D] classes of the benchmark geometries, found through the generated registry.</summary>
public static class GeneratedModels
{
    /// <summary>The factory of the generated ReLU model compiled for <paramref name="geometry"/>, or null if there is none.</summary>
    public static Func<IConvNet>? Create(PatchGeometry geometry)
    {
        foreach (ConvNetModelInfo model in Convotron.Generated.ConvNetRegistry.Models)
        {
            if (model.Geometry == geometry && model.Activation == Activation.ReLU)
                return model.Create;
        }
        return null;
    }
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
