// The smallest complete Convotron program: declare a network by its geometry, let the source
// generator compile it, learn it with Du & Goel's Algorithm 1 from a random teacher, refine it,
// and print what was learned.
//
//   dotnet run -c Release --project samples/QuickStart
using System;
using Convotron;

var net = new Net();
var inputs = InputDistribution.Gaussian;
var teacher = Teacher.Random(net.Geometry, net.Activation, Xoshiro256StarStar.ForStream(seed: 1, stream: 0));
var test = DataSet.Draw(teacher, inputs, count: 10_000, Xoshiro256StarStar.ForStream(1, 3));

var result = Algorithm1.Learn(net, teacher.Stream(inputs, Xoshiro256StarStar.ForStream(1, 1)), Algorithm1Options.PaperGaussian, new LearnerRun(test));
Console.WriteLine($"Algorithm 1 on {net.Geometry} (k = {Net.K}): stage-1 angle {result.Stage1Angle:F3} rad, " +
                  $"sign {result.ChosenSign:+0;-0}, relative test MSE {result.RelativeTestMse:E2}, {result.SamplesUsed:N0} samples");

var refined = Refinement.Learn(net, teacher.Stream(inputs, Xoshiro256StarStar.ForStream(1, 2)), new RefinementOptions(), new LearnerRun(test));
Console.WriteLine($"after refinement: relative test MSE {refined.RelativeTestMse:E2} ({refined.SamplesUsed:N0} more samples), " +
                  $"parameter error {teacher.ParameterError(net):E2}");

/// <summary>A network with a 16-tap filter sliding by 12 over 160 inputs (k = 13 patches); ReLU.</summary>
[ConvNet(r: 16, s: 12, d: 160)]
public partial class Net { }
