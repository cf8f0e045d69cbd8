using System;

namespace Convotron;

/// <summary>The argument checks every learner makes at its boundary, in one place.</summary>
internal static class LearnerArguments
{
    /// <summary>Null checks, and that the source and test set have the model's input size d.</summary>
    public static PatchGeometry Check(IConvNet model, ISampleSource source, object options, DataSet? testSet)
    {
        ArgumentNullException.ThrowIfNull(source);
        PatchGeometry geometry = Check(model, options, testSet);
        Guard.Length(source.InputSize, geometry.InputSize, "d");
        return geometry;
    }

    /// <summary>Null checks, and that the rows and test set have the model's input size d.</summary>
    public static PatchGeometry Check(IConvNet model, DataSet rows, object options, DataSet? testSet)
    {
        ArgumentNullException.ThrowIfNull(rows);
        PatchGeometry geometry = Check(model, options, testSet);
        Guard.Length(rows.InputSize, geometry.InputSize, "d");
        return geometry;
    }

    private static PatchGeometry Check(IConvNet model, object options, DataSet? testSet)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        PatchGeometry geometry = model.Geometry;
        if (testSet is not null)
            Guard.Length(testSet.InputSize, geometry.InputSize, "d");
        return geometry;
    }
}
