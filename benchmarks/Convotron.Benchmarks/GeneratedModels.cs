using System;
using Convotron;

namespace Convotron.Benchmarks;

/// <summary>The [ConvNet] classes of the benchmark geometries (filled in once the generator is built into this project).</summary>
public static class GeneratedModels
{
    public static Func<IConvNet>? Create(string name) => name switch
    {
        _ => null,
    };
}
