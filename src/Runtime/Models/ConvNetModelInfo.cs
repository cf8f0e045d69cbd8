using System;

namespace Convotron;

/// <summary>
/// One compile-time model of an assembly, as listed by the generated registry
/// (<c>Convotron.Generated.ConvNetRegistry.Models</c>): its class name, geometry, activation
/// and a factory, so tools can enumerate and build models without reflection.
/// </summary>
public sealed class ConvNetModelInfo
{
    /// <summary>Describes one generated model.</summary>
    /// <param name="name">The model class's full name, without the <c>global::</c> prefix.</param>
    /// <param name="geometry">The geometry it was compiled for.</param>
    /// <param name="activation">The activation it was compiled for.</param>
    /// <param name="create">Creates a new instance with w = 0 and a = 0.</param>
    public ConvNetModelInfo(string name, PatchGeometry geometry, Activation activation, Func<IConvNet> create)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(geometry);
        ArgumentNullException.ThrowIfNull(create);
        Name = name;
        Geometry = geometry;
        Activation = activation;
        Create = create;
    }

    /// <summary>The model class's full name.</summary>
    public string Name { get; }

    /// <summary>The geometry the class was compiled for.</summary>
    public PatchGeometry Geometry { get; }

    /// <summary>The activation the class was compiled for.</summary>
    public Activation Activation { get; }

    /// <summary>Creates a new instance (w = 0, a = 0).</summary>
    public Func<IConvNet> Create { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({Geometry}, {Activation})";
}
