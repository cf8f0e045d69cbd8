using Convotron;

namespace ConvotronExperiment;

/// <summary>
/// The network of this experiment: a 16-tap filter sliding by 12 over 160 inputs (k = 13
/// patches), ReLU. The source generator compiles this geometry into specialised kernels; change
/// the numbers here (an invalid geometry is a compiler error that says how to fix it).
/// </summary>
[ConvNet(r: 16, s: 12, d: 160)]
public partial class Model { }
