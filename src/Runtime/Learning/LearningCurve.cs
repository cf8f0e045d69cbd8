using System;
using System.Collections.Generic;

namespace Convotron;

/// <summary>One point of a learning curve: the value of a measure after <see cref="Step"/> steps of a stage.</summary>
/// <param name="Step">Steps taken in the stage (0 is before the first).</param>
/// <param name="Value">The measure (an angle in radians, or a test MSE).</param>
public readonly record struct CurvePoint(long Step, double Value);

/// <summary>A measure of a stage sampled every so many steps.</summary>
public sealed class LearningCurve
{
    private readonly List<CurvePoint> _points = [];

    /// <summary>An empty curve.</summary>
    /// <param name="name">What is measured, e.g. "stage1_angle" or "stage2_test_mse".</param>
    public LearningCurve(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
    }

    /// <summary>What is measured.</summary>
    public string Name { get; }

    /// <summary>The points, in step order.</summary>
    public IReadOnlyList<CurvePoint> Points => _points;

    /// <summary>The last value; NaN for an empty curve.</summary>
    public double Last => _points.Count > 0 ? _points[^1].Value : double.NaN;

    /// <summary>Whether the last point is at <paramref name="step"/> (a stop between two evaluations adds no second point there).</summary>
    internal bool EndsAt(long step) => _points.Count > 0 && _points[^1].Step == step;

    internal void Add(long step, double value) => _points.Add(new CurvePoint(step, value));
}
