using System;
using System.Linq;
using Convotron.Generated;
using Xunit;

namespace Convotron.Generator.Tests;

/// <summary>The registry this test assembly's own build generated.</summary>
public sealed class RegistryTests
{
    [Fact]
    public void Lists_every_model_sorted_with_working_factories()
    {
        Assert.Equal(EquivalenceTests.Cases.Length, ConvNetRegistry.Models.Count);
        string[] names = ConvNetRegistry.Models.Select(model => model.Name).ToArray();
        Assert.Equal(names.OrderBy(name => name, StringComparer.Ordinal), names);
        Assert.Contains("Convotron.Generator.Tests.Models.Outer.NestedNet", names);
        foreach (EquivalenceTests.Case c in EquivalenceTests.Cases)
        {
            IConvNet expected = c.Create();
            ConvNetModelInfo info = Assert.Single(ConvNetRegistry.Models, model => model.Name == expected.GetType().FullName!.Replace('+', '.'));
            IConvNet created = info.Create();
            Assert.IsType(expected.GetType(), created);
            Assert.Same(expected.Geometry, info.Geometry);
            Assert.Equal(c.Geometry, info.Geometry);
            Assert.Equal(c.Activation, info.Activation);
            Assert.NotSame(created, info.Create());
        }
    }

    [Fact]
    public void Is_read_only()
    {
        Assert.False(ConvNetRegistry.Models is ConvNetModelInfo[]);
        Assert.Throws<NotSupportedException>(() => ((System.Collections.Generic.IList<ConvNetModelInfo>)ConvNetRegistry.Models).Add(ConvNetRegistry.Models[0]));
    }
}
