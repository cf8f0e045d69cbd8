using System;

namespace Convotron;

/// <summary>
/// A stream of labelled samples (x, y) for a learner: a teacher with an input distribution
/// (<see cref="Teacher.Stream"/>), or a data set (<see cref="DataSet.Stream"/>).
/// </summary>
/// <remarks>Stateful and not thread-safe.</remarks>
public interface ISampleSource
{
    /// <summary>The input size d.</summary>
    int InputSize { get; }

    /// <summary>The teacher behind the stream, when there is one (it lets learners report the stage-1 angle to a*).</summary>
    Teacher? Teacher { get; }

    /// <summary>Writes the next input into <paramref name="x"/> (length d) and returns its label.</summary>
    double Next(Span<double> x);
}
